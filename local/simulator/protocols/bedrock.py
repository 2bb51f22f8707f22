"""Amazon Bedrock runtime: POST /model/<modelId>/invoke and /model/<modelId>/converse."""

from __future__ import annotations

import random
import time

from ..drawing import draw
from ..errors import aws_error
from ..exchange import NOT_AN_IMAGE, TRUNCATED_JSON, Exchange, Reply, b64, json_reply
from ..faults import Fault
from ..state import Protocol, Route, State
from .text import enhanced

FILTER_MESSAGE = (
    "This request has been blocked by our content filters. Please adjust your text prompt to "
    "submit a new request."
)
CHAT_PREFIXES = ("amazon.nova-", "us.amazon.nova-", "eu.amazon.nova-", "anthropic.", "meta.")


def check_auth(exchange: Exchange) -> Reply | None:
    # Any SigV4 signature is accepted; an unsigned call is refused as AWS would.
    if not exchange.header("Authorization").startswith("AWS4-HMAC-SHA256"):
        return aws_error(403, "MissingAuthenticationTokenException", "Missing Authentication Token")
    return None


def fault_reply(fault: Fault) -> Reply:
    if fault.mode == "401":
        return aws_error(
            403,
            "AccessDeniedException",
            "You don't have access to the model with the specified model ID.",
        )
    if fault.mode == "429":
        return aws_error(
            429, "ThrottlingException", "Too many requests, please wait before trying again."
        )
    return aws_error(500, "InternalServerException", "The server encountered an internal error.")


def bad_request(message: str) -> Reply:
    return aws_error(400, "ValidationException", message)


def invoke(state: State, exchange: Exchange, params: dict[str, str], mode: str | None) -> Reply:
    model = params["model"]
    body = exchange.json()
    if mode == "moderation":
        return bad_request(FILTER_MESSAGE)
    if "nova-canvas" in model:
        return _nova(model, body, mode)
    if model.startswith("stability."):
        return _stability(model, body, mode)
    return bad_request("The provided model identifier is invalid.")


def converse(state: State, exchange: Exchange, params: dict[str, str], mode: str | None) -> Reply:
    model = params["model"]
    if mode == "malformed":
        return Reply(200, TRUNCATED_JSON)
    body = exchange.json()
    prompt = _user_text(body.get("messages"))
    if prompt is None:
        return bad_request("messages must hold a user message with text content")
    if not model.startswith(CHAT_PREFIXES):
        return bad_request("The provided model doesn't support conversation.")
    if mode == "moderation":
        return bad_request(FILTER_MESSAGE)
    filtered = mode == "block200"
    text = "Sorry, the model cannot answer that." if filtered else enhanced(prompt, model)
    started = time.monotonic()
    return json_reply(
        200,
        {
            "output": {"message": {"role": "assistant", "content": [{"text": text}]}},
            "stopReason": "content_filtered" if filtered else "end_turn",
            "usage": {
                "inputTokens": len(prompt.split()),
                "outputTokens": 40,
                "totalTokens": len(prompt.split()) + 40,
            },
            "metrics": {"latencyMs": int((time.monotonic() - started) * 1000) + 1},
        },
    )


def _nova(model: str, body: dict, mode: str | None) -> Reply:
    params = body.get("textToImageParams") or {}
    text = params.get("text") if isinstance(params, dict) else None
    if (
        body.get("taskType") != "TEXT_IMAGE"
        or not isinstance(text, str)
        or not 1 <= len(text) <= 1024
    ):
        return bad_request("textToImageParams.text must be 1 to 1024 characters for TEXT_IMAGE")
    if mode == "block200":
        return json_reply(
            200,
            {
                "images": [],
                "error": "All of the generated images have been blocked by our content filters.",
            },
        )
    config = body.get("imageGenerationConfig")
    size = None
    if isinstance(config, dict) and isinstance(config.get("width"), int):
        size = f"{config['width']}x{config.get('height')}"
    image = NOT_AN_IMAGE if mode == "malformed" else draw(text, model, "png", size)
    return json_reply(200, {"images": [b64(image)]})


def _stability(model: str, body: dict, mode: str | None) -> Reply:
    prompt = body.get("prompt")
    if not isinstance(prompt, str) or not prompt.strip():
        return bad_request("prompt is required")
    seed = int(body.get("seed") or 0) or random.randint(1, 4294967294)
    if mode == "block200":
        return json_reply(
            200, {"seeds": [seed], "finish_reasons": ["Filter reason: prompt"], "images": []}
        )
    fmt = str(body.get("output_format") or "png").lower()
    ratio = body.get("aspect_ratio") if isinstance(body.get("aspect_ratio"), str) else None
    image = NOT_AN_IMAGE if mode == "malformed" else draw(prompt, model, fmt, ratio)
    return json_reply(200, {"seeds": [seed], "finish_reasons": [None], "images": [b64(image)]})


def _user_text(messages: object) -> str | None:
    if not isinstance(messages, list):
        return None
    for message in reversed(messages):
        if isinstance(message, dict) and message.get("role") == "user":
            blocks = message.get("content") or []
            texts = [str(b["text"]) for b in blocks if isinstance(b, dict) and "text" in b]
            return " ".join(texts) if texts else None
    return None


PROTOCOL = Protocol(
    provider="bedrock",
    routes=(
        Route("POST", r"^/model/(?P<model>[^/]+)/invoke$", invoke),
        Route("POST", r"^/model/(?P<model>[^/]+)/converse$", converse),
    ),
    check_auth=check_auth,
    fault_reply=fault_reply,
    bad_request=bad_request,
)
