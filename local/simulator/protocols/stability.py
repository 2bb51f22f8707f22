"""Stability AI v2beta: POST /stability/v2beta/stable-image/generate/{sd3,ultra,core}, multipart."""

from __future__ import annotations

import random

from .. import models
from ..drawing import FORMATS, content_type, draw
from ..errors import retry_after_value, stability_error
from ..exchange import NOT_AN_IMAGE, Exchange, Reply, b64, json_reply
from ..faults import Fault
from ..state import Protocol, Route, State
from .openai import bearer

ASPECT_RATIOS = frozenset({"16:9", "1:1", "21:9", "2:3", "3:2", "4:5", "5:4", "9:16", "9:21"})
MODERATION_MESSAGE = (
    "Your request was flagged by our content moderation system, as a result your request was "
    "denied and you were not charged."
)


def check_auth(exchange: Exchange) -> Reply | None:
    key = bearer(exchange)
    if not key:
        return stability_error(401, "unauthorized", "Missing authorization header")
    if key == "invalid":
        return stability_error(401, "unauthorized", "Incorrect API key provided")
    return None


def fault_reply(fault: Fault) -> Reply:
    if fault.mode == "401":
        return stability_error(401, "unauthorized", "Incorrect API key provided")
    if fault.mode == "429":
        return stability_error(
            429,
            "rate_limit_exceeded",
            "You have exceeded the rate limit of 150 requests within a 10 second period.",
            retry_after=retry_after_value(fault.retry_after or 1),
        )
    return stability_error(500, "internal_error", "An unexpected server error has occurred.")


def bad_request(message: str) -> Reply:
    return stability_error(400, "bad_request", message)


def generate(state: State, exchange: Exchange, params: dict[str, str], mode: str | None) -> Reply:
    fields = exchange.form()
    problem = _invalid(params["endpoint"], fields)
    if problem:
        return bad_request(problem)
    if mode == "moderation":
        return stability_error(403, "content_moderation", MODERATION_MESSAGE)
    fmt = fields.get("output_format", "png")
    model = (
        fields.get("model", "sd3.5-large") if params["endpoint"] == "sd3" else params["endpoint"]
    )
    image = (
        NOT_AN_IMAGE
        if mode == "malformed"
        else draw(fields["prompt"], model, fmt, fields.get("aspect_ratio"))
    )
    finish = "CONTENT_FILTERED" if mode == "block200" else "SUCCESS"
    seed = int(fields.get("seed") or 0) or random.randint(1, 4294967294)
    accept = exchange.header("Accept") or "image/*"
    if "application/json" in accept:
        return json_reply(200, {"image": b64(image), "finish_reason": finish, "seed": seed})
    if "image/" not in accept and "*/*" not in accept:
        return bad_request("accept must be image/* or application/json")
    return Reply(200, image, content_type(fmt), {"finish-reason": finish, "seed": str(seed)})


def _sd3_models() -> list[str]:
    live = models.registry().get("stability").live_models()
    return [model for model in live if model.startswith("sd3")]


def balance(state: State, exchange: Exchange, params: dict[str, str], mode: str | None) -> Reply:
    """GET /v1/user/balance: the key's credits, the preflight's key check."""
    return json_reply(200, {"credits": 250.5})


def _invalid(endpoint: str, fields: dict[str, str]) -> str | None:
    prompt = fields.get("prompt", "")
    if not prompt.strip() or len(prompt) > 10000:
        return "prompt: must be between 1 and 10000 characters"
    if fields.get("aspect_ratio", "1:1") not in ASPECT_RATIOS:
        return "aspect_ratio: must be one of " + ", ".join(sorted(ASPECT_RATIOS))
    if fields.get("output_format", "png") not in FORMATS or fields.get("output_format") == "jpg":
        return "output_format: must be one of jpeg, png, webp"
    if endpoint == "sd3" and not models.alive("stability", fields.get("model", "sd3.5-large")):
        return "model: must be one of " + ", ".join(sorted(_sd3_models()))
    if endpoint != "sd3" and ("model" in fields or "cfg_scale" in fields):
        return f"model and cfg_scale are not accepted by the {endpoint} endpoint"
    if "steps" in fields:
        return "steps: unknown field"
    return None


PROTOCOL = Protocol(
    provider="stability",
    routes=(
        Route(
            "POST",
            r"^/stability/v2beta/stable-image/generate/(?P<endpoint>sd3|ultra|core)$",
            generate,
        ),
        Route("GET", r"^/stability/v1/user/balance$", balance),
    ),
    check_auth=check_auth,
    fault_reply=fault_reply,
    bad_request=bad_request,
    prefix="stability",
)
