"""Google Gemini generateContent: image models for /generate, a text model for /enhance."""

from __future__ import annotations

from typing import Any

import requests

from .base import GeneratedImage, GenerationRequest, ModelSpec, ProviderError
from .common import ENHANCE_INSTRUCTION, base_url, moderated
from .images import from_base64
from .shapes import shape
from .transport import Caller, RetryPolicy, json_body, parse_json, refusal, send

DEFAULT_BASE = "https://generativelanguage.googleapis.com/v1beta"
# google-genai 3.3.0 (_api_client.py `_RETRY_HTTP_STATUS_CODES`, read 2026-12-01) names 408,
# 429, 500, 502, 503 and 504 as the retryable answers (its retries are off unless asked for).
RETRY = RetryPolicy(frozenset({408, 429, 500, 502, 503, 504}))
# Thinking models count their thoughts against maxOutputTokens, so a 300-token limit could be
# spent thinking and end in an empty MAX_TOKENS reply. /enhance keeps thinking low and leaves
# room for it (thinkingConfig in google-genai 3.3.0 types.py: thinkingLevel for Gemini 3 and
# later, a thinkingBudget in tokens for 2.5, never both in one request).
ENHANCE_OUTPUT_TOKENS = 2048
# finishReason values for an image that was not made, other than blocks (google-genai 3.3.0
# types.py FinishReason): said plainly instead of "returned no image".
NO_IMAGE_REASONS = {
    "NO_IMAGE": "Google Gemini was expected to make an image but made none (NO_IMAGE); "
    "try rewording the prompt to ask for a picture",
    "IMAGE_OTHER": "Google Gemini stopped making the image for an unspecified reason (IMAGE_OTHER)",
    "MAX_TOKENS": "Google Gemini ran out of output tokens before the image (MAX_TOKENS)",
}
# finishReason values that mean a safety or policy block (they arrive with HTTP 200).
BLOCK_REASONS = frozenset(
    {
        "SAFETY",
        "IMAGE_SAFETY",
        "PROHIBITED_CONTENT",
        "IMAGE_PROHIBITED_CONTENT",
        "BLOCKLIST",
        "SPII",
        "RECITATION",
        "IMAGE_RECITATION",
    }
)


def generate(
    spec: ModelSpec, api_key: str, request: GenerationRequest, deadline: float, key_label: str
) -> GeneratedImage:
    who = Caller("Google Gemini", key_label, api_key)
    # Gemini image models have no steps or guidance.
    body = {
        "contents": [{"role": "user", "parts": [{"text": request.prompt}]}],
        "generationConfig": {
            "responseModalities": ["TEXT", "IMAGE"],
            **shape("google", spec.model_id, request.aspect_ratio, request.seed).fields,
        },
    }
    answer = _generate_content(spec.model_id, api_key, body, deadline, who)
    reason = finish_reason(answer)
    parts = _candidate_parts(answer, allow_empty=reason in NO_IMAGE_REASONS)
    for part in parts:  # text parts may come first: scan them all
        inline = part.get("inlineData") or part.get("inline_data")
        if isinstance(inline, dict) and inline.get("data"):
            return from_base64(inline["data"], who)
    said = " ".join(str(p["text"]) for p in parts if isinstance(p.get("text"), str))[:200]
    if reason in NO_IMAGE_REASONS:
        code = ProviderError.UPSTREAM if reason == "IMAGE_OTHER" else ProviderError.BAD_RESPONSE
        raise ProviderError(NO_IMAGE_REASONS[reason] + (f": {said}" if said else ""), code=code)
    raise ProviderError(
        f"Google Gemini returned no image{': ' + said if said else ''}",
        code=ProviderError.BAD_RESPONSE,
    )


def thinking_config(model: str) -> dict[str, Any]:
    """Little thinking for a prompt rewrite: LOW is a level every Gemini 3 model takes; 2.5
    Flash can switch thinking off (0), 2.5 Pro cannot go below 128 tokens."""
    if model.startswith("gemini-2."):
        return {"thinkingBudget": 128 if "pro" in model else 0}
    return {"thinkingLevel": "LOW"}


def enhance_body(model: str, prompt: str) -> dict[str, Any]:
    return {
        # role "user", as google-genai sends a system instruction given as text
        "systemInstruction": {"role": "user", "parts": [{"text": ENHANCE_INSTRUCTION}]},
        "contents": [{"role": "user", "parts": [{"text": prompt}]}],
        "generationConfig": {
            # No temperature: the Gemini changelog of 2026-07-21 deprecates temperature, top_p
            # and top_k for the latest models.
            "maxOutputTokens": ENHANCE_OUTPUT_TOKENS,
            "thinkingConfig": thinking_config(model),
        },
    }


def enhance(model: str, api_key: str, prompt: str, deadline: float, key_label: str) -> str:
    who = Caller("Google Gemini", key_label, api_key)
    answer = _generate_content(model, api_key, enhance_body(model, prompt), deadline, who)
    reason = finish_reason(answer)
    texts = [
        str(p["text"])
        for p in _candidate_parts(answer, allow_empty=reason == "MAX_TOKENS")
        if isinstance(p.get("text"), str) and not p.get("thought")
    ]
    if not "".join(texts).strip():
        if reason == "MAX_TOKENS":
            raise ProviderError(
                f"Google Gemini ({model}) used its {ENHANCE_OUTPUT_TOKENS} output tokens "
                "before answering (MAX_TOKENS)",
                code=ProviderError.BAD_RESPONSE,
            )
        raise ProviderError("Google Gemini returned no text", code=ProviderError.BAD_RESPONSE)
    return "".join(texts)


def _generate_content(
    model: str, api_key: str, body: dict[str, Any], deadline: float, who: Caller
) -> dict[str, Any]:
    response = send(
        "POST",
        f"{base_url('GEMINI_BASE_URL', DEFAULT_BASE)}/models/{model}:generateContent",
        who=who,
        deadline=deadline,
        classify=classify,
        retry=RETRY,
        headers={"x-goog-api-key": api_key},
        json=body,
    )
    return json_body(response, who)


def finish_reason(answer: dict[str, Any]) -> str:
    candidates = answer.get("candidates")
    candidate = candidates[0] if isinstance(candidates, list) and candidates else None
    return str(candidate.get("finishReason") or "") if isinstance(candidate, dict) else ""


def _candidate_parts(answer: dict[str, Any], allow_empty: bool = False) -> list[dict[str, Any]]:
    """The first candidate's parts; blocks that arrive as HTTP 200 raise MODERATED.
    `allow_empty`: a candidate without content gives [] (the caller words the reason)."""
    feedback = answer.get("promptFeedback")
    if isinstance(feedback, dict) and feedback.get("blockReason"):
        raise moderated(f"Google blocked this prompt ({feedback['blockReason']})")
    candidates = answer.get("candidates")
    candidate = candidates[0] if isinstance(candidates, list) and candidates else None
    if not isinstance(candidate, dict):
        raise ProviderError("Google Gemini returned no candidates", code=ProviderError.BAD_RESPONSE)
    reason = str(candidate.get("finishReason") or "")
    if reason in BLOCK_REASONS:
        raise moderated(f"Google's safety filter stopped the image ({reason})")
    content = candidate.get("content")
    parts = content.get("parts") if isinstance(content, dict) else None
    if not isinstance(parts, list) and allow_empty:
        return []
    if not isinstance(parts, list):
        detail = f" ({reason})" if reason else ""
        raise ProviderError(
            f"Google Gemini returned no content{detail}", code=ProviderError.BAD_RESPONSE
        )
    return [part for part in parts if isinstance(part, dict)]


def classify(response: requests.Response, who: Caller) -> ProviderError | None:
    """Gemini answers a wrong key with 400 API_KEY_INVALID, not 401."""
    body = parse_json(response)
    error = body.get("error") if isinstance(body, dict) else None
    if response.status_code == 400 and isinstance(error, dict):
        text = str(error)
        if "API_KEY_INVALID" in text or "API key not valid" in text:
            return refusal(401, "", who)  # same sentence as a 401
    return None
