"""Recraft: an OpenAI-compatible images/generations endpoint (base64 asked for; URL handled)."""

from __future__ import annotations

from dataclasses import replace

import requests

from .base import GeneratedImage, GenerationRequest, ModelSpec, ProviderError
from .common import base_url, mentions_moderation, moderated
from .images import download, from_base64
from .prices import recraft_cost
from .transport import Caller, error_detail, json_body, send

DEFAULT_BASE = "https://external.api.recraft.ai/v1"
MAX_PROMPT = 1000  # V2/V3 limit; longer prompts are refused with a 400


def generate(
    spec: ModelSpec, api_key: str, request: GenerationRequest, deadline: float, key_label: str
) -> GeneratedImage:
    who = Caller("Recraft", key_label, api_key)
    # No steps/guidance in Recraft's API; base64 saves the second request for the URL.
    body = {
        "model": spec.model_id,
        "prompt": request.prompt[:MAX_PROMPT],
        "size": "1024x1024",
        "n": 1,
        "response_format": "b64_json",
    }
    response = send(
        "POST",
        f"{base_url('RECRAFT_BASE_URL', DEFAULT_BASE)}/images/generations",
        who=who,
        deadline=deadline,
        classify=classify,
        headers={"Authorization": f"Bearer {api_key}"},
        json=body,
    )
    reply = json_body(response, who)
    data = reply.get("data")
    item = data[0] if isinstance(data, list) and data else None
    if not isinstance(item, dict):
        raise ProviderError("Recraft returned no image", code=ProviderError.BAD_RESPONSE)
    if item.get("b64_json"):
        image = from_base64(item["b64_json"], who)
    else:
        image = download(item.get("url"), who, deadline)
    return replace(image, cost_usd=recraft_cost(reply))


def classify(response: requests.Response, who: Caller) -> ProviderError | None:
    if response.status_code in (400, 403, 422) and mentions_moderation(error_detail(response)):
        return moderated("Recraft's content moderation rejected this prompt")
    return None
