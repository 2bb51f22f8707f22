"""OpenAI: images/generations (GPT Image, always base64) and chat/completions for /enhance."""

from __future__ import annotations

import requests

from .base import GeneratedImage, GenerationRequest, ModelSpec, ProviderError
from .common import (
    ENHANCE_INSTRUCTION,
    ENHANCE_MAX_TOKENS,
    base_url,
    mentions_moderation,
    moderated,
)
from .images import from_base64
from .shapes import shape
from .transport import Caller, RetryPolicy, json_body, parse_json, send

DEFAULT_BASE = "https://api.openai.com/v1"
# openai-python 3.51.0 (src/openai/_base_client.py `_should_retry`, read 2026-12-01): obey
# x-should-retry, else retry 408, 409, 429 and every 5xx; we match that. The SDK also re-sends
# after a timeout or a dropped connection, with no idempotency key for OpenAI
# (`_idempotency_header` is None), which would bill an accepted image twice: not copied.
RETRY = RetryPolicy(frozenset({408, 409, 429}), server_errors=True, should_retry_header=True)
# The 403 an unverified organisation gets for GPT Image models (quoted in openai/openai-go#565
# and openai-php/client#565): "Your organization must be verified to use the model ...".
ORG_VERIFICATION = "organization must be verified"


def generate(
    spec: ModelSpec, api_key: str, request: GenerationRequest, deadline: float, key_label: str
) -> GeneratedImage:
    who = Caller("OpenAI", key_label, api_key)
    # GPT Image models take no steps, guidance or seed, and always answer in base64.
    body: dict[str, object] = {"model": spec.model_id, "prompt": request.prompt, "n": 1}
    body.update(shape("openai", spec.model_id, request.aspect_ratio, request.seed).fields)
    if spec.model_id.startswith("gpt-image"):
        body.update(quality="medium", output_format="png")
    else:  # an older or OpenAI-compatible model: ask for base64 explicitly
        body.update(response_format="b64_json")
    response = send(
        "POST",
        f"{base_url('OPENAI_BASE_URL', DEFAULT_BASE)}/images/generations",
        who=who,
        deadline=deadline,
        classify=classify,
        retry=RETRY,
        headers=_headers(api_key),
        json=body,
    )
    data = json_body(response, who).get("data")
    if not isinstance(data, list) or not data or not isinstance(data[0], dict):
        raise ProviderError("OpenAI returned no image", code=ProviderError.BAD_RESPONSE)
    return from_base64(data[0].get("b64_json"), who)


def enhance(model: str, api_key: str, prompt: str, deadline: float, key_label: str) -> str:
    who = Caller("OpenAI", key_label, api_key)
    body = {
        "model": model,
        "messages": [
            {"role": "system", "content": ENHANCE_INSTRUCTION},
            {"role": "user", "content": prompt},
        ],
        "max_completion_tokens": ENHANCE_MAX_TOKENS,
        **_sampling(model),
    }
    response = send(
        "POST",
        f"{base_url('OPENAI_BASE_URL', DEFAULT_BASE)}/chat/completions",
        who=who,
        deadline=deadline,
        classify=classify,
        retry=RETRY,
        headers=_headers(api_key),
        json=body,
    )
    return chat_text(json_body(response, who), "OpenAI")


# Reasoning models (the GPT-5 and GPT-6 families, the current chat models) reason before they
# answer and count it against max_completion_tokens; their default effort is "medium". A short
# rewrite asks for none (reasoning_effort, developers.openai.com/api/docs/models/gpt-6-luna) and
# leaves temperature at its default, which reasoning models are not documented to accept.
REASONING_PREFIXES = ("gpt-5", "gpt-6", "o1", "o3", "o4")


def _sampling(model: str) -> dict[str, object]:
    if model.startswith(REASONING_PREFIXES):
        return {"reasoning_effort": "none"}
    return {"temperature": 0.7}


def chat_text(body: dict, name: str) -> str:
    """choices[0].message.content, with content_filter reported as moderation."""
    choices = body.get("choices")
    choice = choices[0] if isinstance(choices, list) and choices else {}
    if not isinstance(choice, dict):
        choice = {}
    if choice.get("finish_reason") == "content_filter":
        raise moderated(f"{name}'s content filter stopped the answer")
    message = choice.get("message")
    content = message.get("content") if isinstance(message, dict) else None
    if not isinstance(content, str) or not content.strip():
        raise ProviderError(f"{name} returned no text", code=ProviderError.BAD_RESPONSE)
    return content


def classify(response: requests.Response, who: Caller) -> ProviderError | None:
    """OpenAI's error codes that the generic mapping would get wrong."""
    body = parse_json(response)
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        return None
    code = str(error.get("code") or "")
    if code in ("moderation_blocked", "content_policy_violation") or (
        response.status_code == 400 and mentions_moderation(str(error.get("message") or ""))
    ):
        return moderated("OpenAI's safety system rejected this prompt")
    if response.status_code == 403 and ORG_VERIFICATION in str(error.get("message") or "").lower():
        return ProviderError(
            "OpenAI refused (403): this key's organization must be verified before it may use "
            "GPT Image models. Verify it at platform.openai.com/settings/organization/general "
            "(Verify Organization); access can take 15 minutes to arrive after that",
            code=ProviderError.AUTH,
        )
    if code == "insufficient_quota":
        return ProviderError(
            "OpenAI says the account is out of quota (insufficient_quota): check its billing",
            code=ProviderError.RATE_LIMITED,
        )
    return None


def _headers(api_key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {api_key}", "Accept": "application/json"}  # as the SDK
