"""Google Gemini generateContent: image models for /generate, a text model for /enhance."""

from __future__ import annotations

from typing import Any

import requests

from .base import GeneratedImage, GenerationRequest, ModelSpec, ProviderError
from .common import ENHANCE_INSTRUCTION, ENHANCE_MAX_TOKENS, base_url, moderated
from .images import from_base64
from .shapes import shape
from .transport import Caller, json_body, parse_json, refusal, send

DEFAULT_BASE = "https://generativelanguage.googleapis.com/v1beta"
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
    parts = _candidate_parts(answer)
    for part in parts:  # text parts may come first: scan them all
        inline = part.get("inlineData") or part.get("inline_data")
        if isinstance(inline, dict) and inline.get("data"):
            return from_base64(inline["data"], who)
    said = " ".join(str(p["text"]) for p in parts if isinstance(p.get("text"), str))[:200]
    raise ProviderError(
        f"Google Gemini returned no image{': ' + said if said else ''}",
        code=ProviderError.BAD_RESPONSE,
    )


def enhance(model: str, api_key: str, prompt: str, deadline: float, key_label: str) -> str:
    who = Caller("Google Gemini", key_label, api_key)
    body = {
        "systemInstruction": {"parts": [{"text": ENHANCE_INSTRUCTION}]},
        "contents": [{"role": "user", "parts": [{"text": prompt}]}],
        "generationConfig": {"maxOutputTokens": ENHANCE_MAX_TOKENS, "temperature": 0.7},
    }
    answer = _generate_content(model, api_key, body, deadline, who)
    texts = [
        str(p["text"])
        for p in _candidate_parts(answer)
        if isinstance(p.get("text"), str) and not p.get("thought")
    ]
    if not "".join(texts).strip():
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
        headers={"x-goog-api-key": api_key},
        json=body,
    )
    return json_body(response, who)


def _candidate_parts(answer: dict[str, Any]) -> list[dict[str, Any]]:
    """The first candidate's parts; blocks that arrive as HTTP 200 raise MODERATED."""
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
