"""Stability AI v2beta stable-image/generate/{sd3,ultra,core}: multipart form in, image out."""

from __future__ import annotations

from dataclasses import replace

import requests

from .base import GeneratedImage, GenerationRequest, ModelSpec, ProviderError
from .common import base_url, clamp, mentions_moderation, moderated, quiet_429
from .images import checked_image, from_base64
from .shapes import shape
from .transport import PAID, Caller, error_detail, json_body, parse_json, send

DEFAULT_BASE = "https://api.stability.ai"
FILTERED = "CONTENT_FILTERED"
RATE_LIMIT_WAIT = 60.0  # Stability documents a 60 s timeout after a 429
RETRY = PAID  # Stability documents no retryable answer besides its 429


def endpoint(model_id: str) -> str:
    """SD3.x models share the sd3 endpoint (model in the form); ultra and core have their own."""
    if model_id.startswith("sd3"):
        return "sd3"
    if model_id in ("ultra", "stable-image-ultra"):
        return "ultra"
    if model_id in ("core", "stable-image-core"):
        return "core"
    raise ProviderError(
        f"Stability AI model {model_id!r} is not known: use sd3.5-large, sd3.5-large-turbo, "
        "sd3.5-medium, ultra or core",
        code=ProviderError.UNKNOWN_MODEL,
    )


def form_fields(model_id: str, request: GenerationRequest) -> dict[str, str]:
    fields = {"prompt": request.prompt, "output_format": "png"}
    fields.update(shape("stability", model_id, request.aspect_ratio, request.seed).fields)
    if endpoint(model_id) == "sd3":
        fields.update(model=model_id, mode="text-to-image")
        if request.guidance is not None:  # cfg_scale exists on sd3 only; there is no steps field
            fields["cfg_scale"] = f"{clamp(request.guidance, 1.0, 10.0):g}"
    return fields


def generate(
    spec: ModelSpec, api_key: str, request: GenerationRequest, deadline: float, key_label: str
) -> GeneratedImage:
    who = Caller("Stability AI", key_label, api_key)
    url = (
        f"{base_url('STABILITY_BASE_URL', DEFAULT_BASE)}/v2beta/stable-image/generate/"
        f"{endpoint(spec.model_id)}"
    )
    # (None, value) makes requests send multipart/form-data without file names.
    files = {name: (None, value) for name, value in form_fields(spec.model_id, request).items()}
    response = send(
        "POST",
        url,
        who=who,
        deadline=deadline,
        classify=classify,
        retry=RETRY,
        headers={"Authorization": f"Bearer {api_key}", "Accept": "application/json"},
        files=files,
    )
    return _image(response, who)


def _image(response: requests.Response, who: Caller) -> GeneratedImage:
    """JSON {image, finish_reason, seed}, or raw bytes with a finish-reason header."""
    if response.headers.get("Content-Type", "").startswith("image/"):
        _check_finish(response.headers.get("finish-reason"))
        image = checked_image(response.content, who)
        return replace(image, seed=_seed(response.headers.get("seed")))
    body = json_body(response, who)
    _check_finish(body.get("finish_reason"))
    return replace(from_base64(body.get("image"), who), seed=_seed(body.get("seed")))


def _seed(value: object) -> int | None:
    """The seed Stability reports (JSON number or header text), None when absent or odd."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.isascii() and value.isdigit():
        return int(value)
    return None


def _check_finish(reason: object) -> None:
    if reason == FILTERED:
        raise moderated("Stability AI's filter blocked the generated image (CONTENT_FILTERED)")
    if reason not in (None, "SUCCESS"):
        raise ProviderError(
            f"Stability AI stopped generating ({reason})", code=ProviderError.BAD_RESPONSE
        )


def classify(response: requests.Response, who: Caller) -> ProviderError | None:
    body = parse_json(response)
    name = str(body.get("name") or "") if isinstance(body, dict) else ""
    if name == "content_moderation" or (
        response.status_code in (400, 403) and mentions_moderation(error_detail(response))
    ):
        return moderated("Stability AI's content moderation rejected this prompt")
    return quiet_429(response, who, RATE_LIMIT_WAIT)
