"""Google Gemini: POST /gemini/v1beta/models/<model>:generateContent (image or text answers)."""

from __future__ import annotations

from .. import models
from ..drawing import draw
from ..errors import google_error, google_retry_info
from ..exchange import NOT_AN_IMAGE, TRUNCATED_JSON, Exchange, Reply, b64, json_reply
from ..faults import Fault
from ..state import Protocol, Route, State
from .text import enhanced


def check_auth(exchange: Exchange) -> Reply | None:
    key = exchange.header("x-goog-api-key").strip() or (exchange.query.get("key") or [""])[0]
    if not key:
        return google_error(
            403,
            "Method doesn't allow unregistered callers (callers without established identity). "
            "Please use API Key or other form of API consumer identity to call this API.",
        )
    if key == "invalid":
        return invalid_key()
    return None


def invalid_key() -> Reply:
    # Google answers a wrong key with 400 INVALID_ARGUMENT and reason API_KEY_INVALID.
    return google_error(
        400,
        "API key not valid. Please pass a valid API key.",
        [
            {
                "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                "reason": "API_KEY_INVALID",
                "domain": "googleapis.com",
            }
        ],
    )


def fault_reply(fault: Fault) -> Reply:
    if fault.mode == "401":
        return google_error(401, "Request had invalid authentication credentials.")
    if fault.mode == "429":
        # Gemini says when to come back in RetryInfo, not in a Retry-After header.
        return google_error(
            429,
            "You exceeded your current quota, please check your plan and billing details.",
            [google_retry_info(fault.retry_after or 1)],
        )
    return google_error(500, "An internal error has occurred. Please retry or report.")


def bad_request(message: str) -> Reply:
    return google_error(400, f"Invalid JSON payload received. {message}")


def not_found(model: str) -> Reply:
    """Google's 404 for a model id it does not serve (unknown or shut down)."""
    return google_error(
        404,
        f"models/{model} is not found for API version v1beta, or is not supported for "
        "generateContent. Call ListModels to see the list of available models and their "
        "supported methods.",
    )


def get_model(state: State, exchange: Exchange, params: dict[str, str], mode: str | None) -> Reply:
    """GET /v1beta/models/{id}: the preflight's model lookup."""
    model = params["model"]
    if not models.alive("google", model):
        return not_found(model)
    return json_reply(
        200,
        {
            "name": f"models/{model}",
            "version": "001",
            "displayName": model,
            "inputTokenLimit": 65536,
            "outputTokenLimit": 32768,
            "supportedGenerationMethods": ["generateContent", "countTokens"],
        },
    )


def generate_content(
    state: State, exchange: Exchange, params: dict[str, str], mode: str | None
) -> Reply:
    if not models.alive("google", params["model"]):
        return not_found(params["model"])
    if mode == "malformed" and "image" not in params["model"]:
        return Reply(200, TRUNCATED_JSON)
    body = exchange.json()
    prompt = _prompt(body.get("contents"))
    if prompt is None:
        return bad_request("contents must hold at least one part with text")
    model = params["model"]
    if mode == "moderation":
        return json_reply(
            200,
            {
                "promptFeedback": {"blockReason": "PROHIBITED_CONTENT"},
                "usageMetadata": _usage(prompt),
            },
        )
    if _wants_image(model, body):
        return json_reply(200, _image_answer(prompt, model, mode, _aspect(body)))
    if mode == "block200":
        return json_reply(
            200,
            {
                "candidates": [{"finishReason": "SAFETY", "index": 0}],
                "usageMetadata": _usage(prompt),
            },
        )
    parts = [{"text": enhanced(prompt, model)}]
    return json_reply(200, _answer(parts, "STOP", prompt, model))


def _aspect(body: dict) -> str | None:
    config = body.get("generationConfig")
    image = config.get("imageConfig") if isinstance(config, dict) else None
    ratio = image.get("aspectRatio") if isinstance(image, dict) else None
    return ratio if isinstance(ratio, str) else None


def _image_answer(prompt: str, model: str, mode: str | None, aspect: str | None = None) -> dict:
    if mode == "block200":
        return _answer(None, "IMAGE_SAFETY", prompt, model)
    data = NOT_AN_IMAGE if mode == "malformed" else draw(prompt, model, "png", aspect)
    parts = [
        {"text": f"Here is an image of {prompt[:60]}."},
        {"inlineData": {"mimeType": "image/png", "data": b64(data)}},
    ]
    return _answer(parts, "STOP", prompt, model)


def _answer(parts: list | None, finish: str, prompt: str, model: str) -> dict:
    candidate: dict = {"finishReason": finish, "index": 0}
    if parts is not None:
        candidate["content"] = {"role": "model", "parts": parts}
    return {"candidates": [candidate], "usageMetadata": _usage(prompt), "modelVersion": model}


def _usage(prompt: str) -> dict[str, int]:
    tokens = len(prompt.split())
    return {
        "promptTokenCount": tokens,
        "candidatesTokenCount": 1290,
        "totalTokenCount": tokens + 1290,
    }


def _wants_image(model: str, body: dict) -> bool:
    config = body.get("generationConfig") or {}
    modalities = config.get("responseModalities") or [] if isinstance(config, dict) else []
    return "image" in model or "IMAGE" in [str(m).upper() for m in modalities]


def _prompt(contents: object) -> str | None:
    if not isinstance(contents, list):
        return None
    texts = [
        str(part["text"])
        for content in contents
        if isinstance(content, dict)
        for part in content.get("parts") or []
        if isinstance(part, dict) and isinstance(part.get("text"), str)
    ]
    return " ".join(texts) if texts else None


PROTOCOL = Protocol(
    provider="google",
    routes=(
        Route(
            "POST",
            r"^/gemini/v1beta/models/(?P<model>[A-Za-z0-9._-]+):generateContent$",
            generate_content,
        ),
        Route("GET", r"^/gemini/v1beta/models/(?P<model>[A-Za-z0-9._-]+)$", get_model),
    ),
    check_auth=check_auth,
    fault_reply=fault_reply,
    bad_request=bad_request,
    prefix="gemini",
)
