"""Black Forest Labs: POST /bfl/v1/<model> -> {id, polling_url}; GET polling_url -> status."""

from __future__ import annotations

import random
import time
import uuid

from .. import models
from ..drawing import draw
from ..errors import bfl_error, retry_after_value
from ..exchange import NOT_AN_IMAGE, Exchange, Reply, json_reply
from ..faults import Fault
from ..state import BflTask, Protocol, Route, State

STEPS_MODELS = frozenset({"flux-pro", "flux-dev", "flux-2-flex"})
MODERATED_STATUS = {"moderation": "Request Moderated", "block200": "Content Moderated"}


def check_auth(exchange: Exchange) -> Reply | None:
    key = exchange.header("x-key").strip()
    if not key:
        return bfl_error(403, "Not authenticated - x-key header missing")
    if key == "invalid":
        return bfl_error(401, "Not authenticated - Invalid Authentication")
    return None


def fault_reply(fault: Fault) -> Reply:
    if fault.mode == "401":
        return bfl_error(401, "Not authenticated - Invalid Authentication")
    if fault.mode == "429":
        # The shape BFL's error-handling guide shows (black-forest-labs/skills
        # references/rate-limiting.md): the wait in the body and in Retry-After.
        wait = retry_after_value(fault.retry_after or 1)
        return json_reply(
            429,
            {
                "error": "rate_limit_exceeded",
                "message": "Too many concurrent requests",
                "retry_after": fault.retry_after or 1,
            },
            {"Retry-After": wait},
        )
    return bfl_error(500, "Internal Server Error")


def bad_request(message: str) -> Reply:
    return bfl_error(422, [{"loc": ["body"], "msg": message, "type": "value_error"}])


def submit(state: State, exchange: Exchange, params: dict[str, str], mode: str | None) -> Reply:
    model = params["model"]
    if not models.alive("bfl", model):  # BFL's API answers an unknown path with 404
        return bfl_error(404, "Not Found")
    body = exchange.json()
    problem = _invalid(model, body)
    if problem:
        return bad_request(problem)
    task_id = str(uuid.uuid4())
    with state.lock:
        state.tasks[task_id] = BflTask(
            prompt=body["prompt"],
            model=model,
            ready_at=state.now() + state.latency,
            mode=mode,
            shape=_shape(body),
            seed=body["seed"] if isinstance(body.get("seed"), int) else None,
        )
    return json_reply(
        200,
        {
            "id": task_id,
            "polling_url": f"{state.url}/bfl/v1/get_result?id={task_id}",
            "cost": 4.0,
            "input_mp": 0,
            "output_mp": 1.05,
        },
    )


def credits(state: State, exchange: Exchange, params: dict[str, str], mode: str | None) -> Reply:
    """GET /v1/credits: the key's balance, the preflight's key check (BFL has no model lookup)."""
    return json_reply(200, {"credits": 1000.0})


def get_result(state: State, exchange: Exchange, params: dict[str, str], mode: str | None) -> Reply:
    task_id = (exchange.query.get("id") or [""])[0]
    with state.lock:
        task = state.tasks.get(task_id)
        if task is not None:
            task.polls += 1
    if task is None:
        return json_reply(200, {"id": task_id, "status": "Task not found", "result": None})
    # Always Pending at the first poll, as a real task is; Ready once its time has passed.
    if task.polls == 1 or state.now() < task.ready_at:
        return json_reply(
            200, {"id": task_id, "status": "Pending", "result": None, "progress": 0.5}
        )
    if task.mode in MODERATED_STATUS:
        return json_reply(
            200,
            {"id": task_id, "status": MODERATED_STATUS[task.mode], "result": None, "details": {}},
        )
    return json_reply(
        200, {"id": task_id, "status": "Ready", "result": _result(state, task), "progress": None}
    )


def _result(state: State, task: BflTask) -> dict[str, object]:
    if task.sample is None:
        data = (
            NOT_AN_IMAGE
            if task.mode == "malformed"
            else draw(task.prompt, task.model, "jpeg", task.shape)
        )
        task.sample = state.store_file("bfl", data, "image/jpeg", "jpeg")
    now = time.time()
    return {
        "sample": task.sample,
        "prompt": task.prompt,
        "seed": task.seed if task.seed is not None else random.randint(0, 2**31),
        "start_time": now - 2,
        "end_time": now,
        "duration": 2.0,
    }


def _shape(body: dict) -> str | None:
    if isinstance(body.get("width"), int) and isinstance(body.get("height"), int):
        return f"{body['width']}x{body['height']}"
    ratio = body.get("aspect_ratio")
    return ratio if isinstance(ratio, str) else None


def _invalid(model: str, body: dict) -> str | None:
    prompt = body.get("prompt")
    if not isinstance(prompt, str) or not prompt.strip():
        return "Field required: prompt"
    if model not in STEPS_MODELS:
        for name in ("steps", "guidance"):
            if name in body:
                return f"Extra inputs are not permitted: {name}"
    step = 16 if model.startswith("flux-2") else 32
    for name in ("width", "height"):
        value = body.get(name)
        if value is not None and (
            not isinstance(value, int) or not 256 <= value <= 1440 or value % step
        ):
            return f"{name} must be a multiple of {step} between 256 and 1440"
    return None


PROTOCOL = Protocol(
    provider="bfl",
    routes=(
        Route("GET", r"^/bfl/v1/get_result$", get_result),
        Route("GET", r"^/bfl/v1/credits$", credits),
        Route("POST", r"^/bfl/v1/(?P<model>[A-Za-z0-9._-]+)$", submit),
    ),
    check_auth=check_auth,
    fault_reply=fault_reply,
    bad_request=bad_request,
    prefix="bfl",
)
