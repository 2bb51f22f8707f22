"""Recraft: POST /recraft/v1/images/generations, OpenAI-compatible, url or b64_json."""

from __future__ import annotations

import time
import uuid

from .. import models
from ..drawing import draw
from ..errors import recraft_error, retry_after_value
from ..exchange import NOT_AN_IMAGE, Exchange, Reply, b64, json_reply
from ..faults import Fault
from ..state import Protocol, Route, State
from .openai import bearer

MAX_PROMPT = {"recraftv2": 1000, "recraftv3": 1000}  # V4 models take up to 10000
# Square and the four common ratios per the vendor's size appendix: `_pro` models draw at 2K.
PRO_SIZES = frozenset({"2048x2048", "2432x1792", "1792x2432", "2688x1536", "1536x2688"})
V4_SIZES = frozenset({"1024x1024", "1216x896", "896x1216", "1344x768", "768x1344"})


def check_auth(exchange: Exchange) -> Reply | None:
    key = bearer(exchange)
    if not key:
        return recraft_error(401, "not_authorized", "Authorization header is required")
    if key == "invalid":
        return recraft_error(401, "not_authorized", "Invalid API token")
    return None


def fault_reply(fault: Fault) -> Reply:
    if fault.mode == "401":
        return recraft_error(401, "not_authorized", "Invalid API token")
    if fault.mode == "429":
        return recraft_error(
            429,
            "too_many_requests",
            "Too many requests, please slow down",
            retry_after=retry_after_value(fault.retry_after or 1),
        )
    return recraft_error(500, "internal_error", "Internal server error")


def bad_request(message: str) -> Reply:
    return recraft_error(400, "invalid_request", message)


def me(state: State, exchange: Exchange, params: dict[str, str], mode: str | None) -> Reply:
    """GET /v1/users/me: the key's account and credits, the preflight's key check."""
    return json_reply(
        200, {"id": str(uuid.uuid4()), "credits": 1000, "email": "sim@example.com", "name": "sim"}
    )


def generate(state: State, exchange: Exchange, params: dict[str, str], mode: str | None) -> Reply:
    body = exchange.json()
    model = str(body.get("model") or "recraftv4_1")  # the API's default model
    if not models.alive("recraft", model):
        # Recraft does not document this error's body; its usual envelope is assumed.
        return recraft_error(400, "invalid_model", f"Unknown model: {model}")
    prompt = body.get("prompt")
    limit = MAX_PROMPT.get(model, 10000)
    if not isinstance(prompt, str) or not prompt.strip() or len(prompt) > limit:
        return bad_request(f"prompt must be between 1 and {limit} characters")
    problem = _size_problem(model, str(body.get("size") or "1024x1024"))
    if problem:
        return bad_request(problem)
    response_format = body.get("response_format") or "url"
    if response_format not in ("url", "b64_json"):
        return bad_request("response_format must be url or b64_json")
    if mode == "moderation":
        return recraft_error(400, "prompt_moderation", "Prompt was rejected by content moderation")
    size = body.get("size") if isinstance(body.get("size"), str) else None
    data = [] if mode == "block200" else [_item(state, prompt, model, response_format, mode, size)]
    return json_reply(200, {"created": int(time.time()), "credits": 40, "data": data})


def _size_problem(model: str, size: str) -> str | None:
    """V4 models take only their own sizes (or a w:h ratio); older models are not checked."""
    if ":" in size or not model.startswith("recraftv4"):
        return None
    allowed = PRO_SIZES if "pro" in model.split("_") else V4_SIZES
    if size not in allowed:
        return f"size {size} is not supported by {model}: use one of {', '.join(sorted(allowed))}"
    return None


def _item(
    state: State, prompt: str, model: str, response_format: str, mode: str | None, size: str | None
) -> dict:
    image = NOT_AN_IMAGE if mode == "malformed" else draw(prompt, model, "png", size)
    item: dict[str, str] = {"image_id": str(uuid.uuid4())}
    if response_format == "b64_json":
        item["b64_json"] = b64(image)
    else:
        item["url"] = state.store_file("recraft", image, "image/png", "png")
    return item


PROTOCOL = Protocol(
    provider="recraft",
    routes=(
        Route("POST", r"^/recraft/v1/images/generations$", generate),
        Route("GET", r"^/recraft/v1/users/me$", me),
    ),
    check_auth=check_auth,
    fault_reply=fault_reply,
    bad_request=bad_request,
    prefix="recraft",
)
