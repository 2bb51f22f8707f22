"""Recraft: an OpenAI-compatible images/generations endpoint (base64 asked for; URL handled)."""

from __future__ import annotations

import requests

from .base import GeneratedImage, GenerationRequest, ModelSpec, ProviderError
from .common import base_url, mentions_moderation, moderated
from .images import download, from_base64
from .shapes import shape
from .transport import PAID, Caller, error_detail, json_body, send

DEFAULT_BASE = "https://external.api.recraft.ai/v1"
# Prompt limits and sizes: recraft.ai/docs/api-reference (appendix, read 2026-12-01): 10,000
# characters for every V4 / V4.1 model, 1,000 for V3 and V2; `_pro` models draw at 2K, and
# their square size is 2048x2048 (1024x1024 is not one of their sizes).
MAX_PROMPT_V4 = 10_000
MAX_PROMPT = 1000
SQUARE = "1024x1024"
SQUARE_PRO = "2048x2048"
# Recraft documents no retryable answer ("on a non-2xx response ... stop", its agents page):
# only a 429 or a connection never made is sent again.
RETRY = PAID


def max_prompt(model_id: str) -> int:
    return MAX_PROMPT_V4 if model_id.startswith("recraftv4") else MAX_PROMPT


def square_size(model_id: str) -> str:
    return SQUARE_PRO if "pro" in model_id.split("_") else SQUARE


def request_body(model_id: str, request: GenerationRequest) -> dict[str, object]:
    # No steps/guidance in Recraft's API; base64 saves the second request for the URL.
    return {
        "model": model_id,
        "prompt": request.prompt[: max_prompt(model_id)],
        "n": 1,
        "response_format": "b64_json",
        **shape("recraft", model_id, request.aspect_ratio, request.seed).fields,
    }


def generate(
    spec: ModelSpec, api_key: str, request: GenerationRequest, deadline: float, key_label: str
) -> GeneratedImage:
    who = Caller("Recraft", key_label, api_key)
    body = request_body(spec.model_id, request)
    response = send(
        "POST",
        f"{base_url('RECRAFT_BASE_URL', DEFAULT_BASE)}/images/generations",
        who=who,
        deadline=deadline,
        classify=classify,
        retry=RETRY,
        # as the OpenAI client that Recraft's docs use sends them
        headers={"Authorization": f"Bearer {api_key}", "Accept": "application/json"},
        json=body,
    )
    data = json_body(response, who).get("data")
    item = data[0] if isinstance(data, list) and data else None
    if not isinstance(item, dict):
        raise ProviderError("Recraft returned no image", code=ProviderError.BAD_RESPONSE)
    if item.get("b64_json"):
        return from_base64(item["b64_json"], who)
    return download(item.get("url"), who, deadline)


def classify(response: requests.Response, who: Caller) -> ProviderError | None:
    if response.status_code in (400, 403, 422) and mentions_moderation(error_detail(response)):
        return moderated("Recraft's content moderation rejected this prompt")
    return None
