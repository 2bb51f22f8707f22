"""Black Forest Labs (FLUX): submit a task, poll the returned polling_url, download the sample."""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any
from urllib.parse import quote

import requests

from .base import GeneratedImage, GenerationRequest, ModelSpec, ProviderError
from .common import base_url, clamp, mentions_moderation, moderated
from .images import download
from .shapes import shape
from .transport import (
    PAID,
    Caller,
    error_detail,
    json_body,
    parse_json,
    retry_after,
    send,
    timed_out,
)

DEFAULT_BASE = "https://api.bfl.ai/v1"
POLL_FIRST = 0.5  # seconds; FLUX takes a few seconds, so start quick and slow down
POLL_MAX = 2.0
MAX_POLLS = 2000  # a hard bound besides the deadline
# Only these models take steps/guidance; BFL's own client rejects them for the others.
RATE_LIMIT_WAIT = 5.0  # what BFL's own client waits after a 429 that names no time
STEPS_MODELS = frozenset({"flux-pro", "flux-dev"})
# Submission creates a billed task: it is never sent again once it may have arrived, only
# after a 429 (too many active tasks: nothing was created) or a connection never made. Polls
# are free GETs and retry every transient failure.
RETRY = PAID


def generate(
    spec: ModelSpec, api_key: str, request: GenerationRequest, deadline: float, key_label: str
) -> GeneratedImage:
    who = Caller("BFL", key_label, api_key)
    started = time.monotonic()
    task = _submit(spec, api_key, request, deadline, who)
    result = _poll(task, api_key, deadline, who, started)
    image = download(result.get("sample"), who, deadline)
    seed = result.get("seed")
    return (
        replace(image, seed=seed) if isinstance(seed, int) and not isinstance(seed, bool) else image
    )


def request_body(model_id: str, request: GenerationRequest) -> dict[str, Any]:
    body: dict[str, Any] = {"prompt": request.prompt, "output_format": "jpeg"}
    body.update(shape("bfl", model_id, request.aspect_ratio, request.seed).fields)
    if model_id in STEPS_MODELS:
        if request.steps is not None:
            body["steps"] = int(clamp(request.steps, 1, 50))
        if request.guidance is not None:
            body["guidance"] = clamp(request.guidance, 1.5, 5.0)
    return body


def _submit(
    spec: ModelSpec, api_key: str, request: GenerationRequest, deadline: float, who: Caller
) -> dict[str, Any]:
    base = base_url("BFL_BASE_URL", DEFAULT_BASE)
    response = send(
        "POST",
        f"{base}/{spec.model_id}",
        who=who,
        deadline=deadline,
        classify=classify,
        retry=RETRY,
        headers=_headers(api_key),
        json=request_body(spec.model_id, request),
    )
    task = json_body(response, who)
    if not task.get("polling_url"):
        if not task.get("id"):
            raise ProviderError("BFL returned no task id", code=ProviderError.BAD_RESPONSE)
        # Older API versions had no polling_url; get_result on the base host still works.
        task["polling_url"] = f"{base}/get_result?id={quote(str(task['id']))}"
    return task


def _poll(
    task: dict[str, Any], api_key: str, deadline: float, who: Caller, started: float
) -> dict[str, Any]:
    """Poll the URL BFL returned (it may be on another host) until the task ends."""
    interval = POLL_FIRST
    for _ in range(MAX_POLLS):
        response = send(
            "GET",
            task["polling_url"],
            who=who,
            deadline=deadline,
            classify=classify,
            headers=_headers(api_key),
        )
        status_body = json_body(response, who)
        result = _finished(status_body)
        if result is not None:
            return result
        remaining = deadline - time.monotonic()
        if remaining <= interval:
            break
        time.sleep(interval)
        interval = min(POLL_MAX, interval * 1.5)
    raise timed_out(who, started)


def _finished(body: dict[str, Any]) -> dict[str, Any] | None:
    """The result when Ready, None while pending, ProviderError for every failed status."""
    status = str(body.get("status") or "")
    if status == "Ready":
        result = body.get("result")
        if not isinstance(result, dict):
            raise ProviderError(
                "BFL returned Ready without a result", code=ProviderError.BAD_RESPONSE
            )
        return result
    if status == "Request Moderated":
        raise moderated("BFL's safety system rejected this prompt (Request Moderated)")
    if status == "Content Moderated":
        raise moderated("BFL's safety filter blocked the generated image (Content Moderated)")
    if status == "Task not found":
        raise ProviderError("BFL lost the task (Task not found)", code=ProviderError.UPSTREAM)
    if status in ("Error", "Failed"):
        detail = body.get("details") or body.get("error") or "no details"
        # BFL's error-handling guide shows {"status": "Error", "error":
        # "content_policy_violation"} (black-forest-labs/skills references/error-handling.md).
        if mentions_moderation(f"{body.get('error') or ''} {body.get('details') or ''}"):
            raise moderated(f"BFL's safety system rejected this prompt ({str(detail)[:200]})")
        raise ProviderError(f"BFL failed to generate the image: {str(detail)[:300]}")
    return None  # Pending, Queued, Processing...


def classify(response: requests.Response, who: Caller) -> ProviderError | None:
    """A 429 waits what BFL asked: the Retry-After header, else the body's `retry_after`
    (black-forest-labs/skills references/rate-limiting.md shows {"error":
    "rate_limit_exceeded", ..., "retry_after": 5}), else BFL's documented 5 s."""
    if response.status_code != 429:
        return None
    wait = retry_after(response)
    body = parse_json(response)
    told = body.get("retry_after") if isinstance(body, dict) else None
    if wait is None and isinstance(told, int | float) and not isinstance(told, bool):
        wait = max(0.0, float(told))
    detail = error_detail(response)
    return ProviderError(
        f"{who.name} rate limited (HTTP 429){': ' + detail if detail else ''}",
        code=ProviderError.RATE_LIMITED,
        retryable=True,
        retry_after=RATE_LIMIT_WAIT if wait is None else wait,
    )


def _headers(api_key: str) -> dict[str, str]:
    return {"x-key": api_key, "accept": "application/json"}
