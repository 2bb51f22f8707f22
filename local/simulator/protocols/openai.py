"""OpenAI: POST /openai/v1/images/generations and /openai/v1/chat/completions."""

from __future__ import annotations

import time
import uuid

from .. import models
from ..drawing import draw
from ..errors import openai_error, retry_after_value
from ..exchange import NOT_AN_IMAGE, TRUNCATED_JSON, BadRequest, Exchange, Reply, b64, json_reply
from ..faults import Fault
from ..state import Protocol, Route, State
from .text import enhanced

MODERATION_MESSAGE = (
    "Your request was rejected by the safety system. If you believe this is an error, "
    "contact us at help.openai.com."
)


def check_auth(exchange: Exchange) -> Reply | None:
    key = bearer(exchange)
    if not key:
        return openai_error(
            401,
            "You didn't provide an API key. You need to provide your API key in an "
            "Authorization header using Bearer auth.",
            None,
            "invalid_request_error",
        )
    if key == "invalid":
        return invalid_key()
    return None


def bearer(exchange: Exchange) -> str:
    value = exchange.header("Authorization")
    return value[7:].strip() if value.lower().startswith("bearer ") else ""


def invalid_key() -> Reply:
    return openai_error(
        401, "Incorrect API key provided: inval***. ", "invalid_api_key", "invalid_request_error"
    )


def fault_reply(fault: Fault) -> Reply:
    if fault.mode == "401":
        return invalid_key()
    if fault.mode == "429":
        return openai_error(
            429,
            "Rate limit reached for images per minute. Please try again later.",
            "rate_limit_exceeded",
            "requests",
            retry_after=retry_after_value(fault.retry_after or 1),
        )
    return openai_error(
        500, "The server had an error processing your request.", None, "server_error"
    )


def model_not_found(model: str) -> Reply:
    """OpenAI's answer for an id that does not exist (or was shut down) for this key."""
    return openai_error(
        404,
        f"The model `{model}` does not exist or you do not have access to it.",
        "model_not_found",
        "invalid_request_error",
    )


def retrieve_model(
    state: State, exchange: Exchange, params: dict[str, str], mode: str | None
) -> Reply:
    """GET /v1/models/{id}: the preflight's model lookup, with OpenAI's shutdown_date."""
    model = params["model"]
    if not models.alive("openai", model):
        return model_not_found(model)
    return json_reply(
        200,
        {
            "id": model,
            "object": "model",
            "created": 1745000000,
            "owned_by": "system",
            "shutdown_date": models.shutdown_date("openai", model),
        },
    )


def images(state: State, exchange: Exchange, params: dict[str, str], mode: str | None) -> Reply:
    body = _request(exchange)
    model, prompt = body.get("model") or "dall-e-2", body.get("prompt")
    if not models.alive("openai", str(model)):
        return model_not_found(str(model))
    if not isinstance(prompt, str) or not prompt.strip():
        return openai_error(
            400,
            "Missing required parameter: 'prompt'.",
            "missing_required_parameter",
            "invalid_request_error",
        )
    if str(model).startswith("gpt-image") and "response_format" in body:
        return openai_error(
            400,
            "Unknown parameter: 'response_format'.",
            "unknown_parameter",
            "invalid_request_error",
        )
    if mode == "moderation":
        return openai_error(
            400, MODERATION_MESSAGE, "moderation_blocked", "image_generation_user_error"
        )
    fmt = str(body.get("output_format") or "png")
    size = str(body.get("size") or "1024x1024")
    data = [] if mode == "block200" else [{"b64_json": _image(prompt, str(model), fmt, mode, size)}]
    return json_reply(
        200,
        {
            "created": int(time.time()),
            "data": data,
            "output_format": fmt,
            "size": body.get("size") or "1024x1024",
            "quality": body.get("quality") or "auto",
            "usage": {
                "input_tokens": len(prompt.split()),
                "output_tokens": 4160,
                "total_tokens": 4160 + len(prompt.split()),
            },
        },
    )


def chat(state: State, exchange: Exchange, params: dict[str, str], mode: str | None) -> Reply:
    if mode == "malformed":
        return Reply(200, TRUNCATED_JSON)
    body = _request(exchange)
    model = str(body.get("model") or "")
    prompt = _last_user_text(body.get("messages"))
    if not model or prompt is None:
        return openai_error(
            400,
            "'model' and 'messages' with a user message are required.",
            None,
            "invalid_request_error",
        )
    if not models.alive("openai", model):
        return model_not_found(model)
    if mode == "moderation":
        return openai_error(
            400,
            "Your request was rejected as a result of our safety system.",
            "content_policy_violation",
            "invalid_request_error",
        )
    filtered = mode == "block200"
    answer = None if filtered else enhanced(prompt, model)
    return json_reply(
        200,
        {
            "id": f"chatcmpl-{uuid.uuid4().hex[:24]}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": model,
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": answer, "refusal": None},
                    "finish_reason": "content_filter" if filtered else "stop",
                }
            ],
            "usage": {
                "prompt_tokens": len(prompt.split()),
                "completion_tokens": 40,
                "total_tokens": len(prompt.split()) + 40,
            },
        },
    )


def _request(exchange: Exchange) -> dict:
    try:
        return exchange.json()
    except BadRequest as exc:
        raise BadRequest(f"We could not parse the JSON body of your request: {exc}") from None


def _image(prompt: str, model: str, fmt: str, mode: str | None, size: str = "") -> str:
    return b64(NOT_AN_IMAGE if mode == "malformed" else draw(prompt, model, fmt, size))


def _last_user_text(messages: object) -> str | None:
    if not isinstance(messages, list):
        return None
    for message in reversed(messages):
        if isinstance(message, dict) and message.get("role") == "user":
            content = message.get("content")
            if isinstance(content, list):  # content parts
                content = " ".join(str(p.get("text", "")) for p in content if isinstance(p, dict))
            return str(content or "")
    return None


def bad_request(message: str) -> Reply:
    return openai_error(400, message, None, "invalid_request_error")


PROTOCOL = Protocol(
    provider="openai",
    routes=(
        Route("POST", r"^/openai/v1/images/generations$", images),
        Route("POST", r"^/openai/v1/chat/completions$", chat),
        Route("GET", r"^/openai/v1/models/(?P<model>[^/]+)$", retrieve_model),
    ),
    check_auth=check_auth,
    fault_reply=fault_reply,
    bad_request=bad_request,
    prefix="openai",
)
