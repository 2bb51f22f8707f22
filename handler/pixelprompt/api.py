"""The HTTP routes (pixelprompt.contract lists them; docs/DESIGN.md describes them).

Each reads like the contract; errors are raised, not returned.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from pixelprompt import (
    aws,
    backends,
    config,
    dispatch,
    gallery,
    jobs,
    log,
    ratelimit,
    s3json,
    validation,
    worker,
)
from pixelprompt.apigw import Request
from pixelprompt.errors import (
    BadGateway,
    BadRequest,
    NotFound,
    PayloadTooLarge,
    ServiceUnavailable,
)
from pixelprompt.providers.base import ProviderError
from pixelprompt.router import Result, Router

app = Router()
_log = log.get_logger("api")
ENHANCE_SECONDS = 25.0  # API Gateway gives up after 30 s
MAX_LOG_BYTES = 8 * 1024
GALLERY_LIMIT = 50
CONFIG_CODES = {ProviderError.NO_CHAT, ProviderError.MISSING_KEY, ProviderError.UNKNOWN_MODEL}


def _provider_of(providers: backends.Providers, name: str) -> str | None:
    """The provider a configured name maps to; None when unknown (a per-model error later)."""
    try:
        return providers.resolve_model(name).provider
    except ProviderError:
        return None


@app.post("/generate")
def generate(request: Request) -> Result:
    cfg = config.get()
    cfg.require_bucket()
    cfg.require_models()
    wanted = validation.generate_input(request.json_object())
    providers = backends.current()
    s3 = aws.s3()
    ticket = ratelimit.admit(s3, cfg, request.source_ip)
    job_id = jobs.new_job_id()
    record = jobs.new_record(
        job_id=job_id,
        prompt=wanted.prompt,
        parameters=wanted.parameters(),
        models=[(m.index, m.name, _provider_of(providers, m.name)) for m in cfg.models],
        now=time.time(),
        correlation_id=request.correlation_id,
    )
    try:
        jobs.create(s3, cfg.bucket, record)
        dispatch.send(worker.job_event(job_id, request.correlation_id))
    except dispatch.DispatchError as exc:
        _abandon(s3, cfg.bucket, job_id, ticket, str(exc))
        raise ServiceUnavailable(
            "The image job could not be started; please try again shortly.",
            code="DISPATCH_FAILED",
        ) from exc
    except BaseException:
        ratelimit.release(s3, cfg.bucket, ticket)
        raise
    log.event(_log, logging.INFO, "job created", jobId=job_id, models=len(cfg.models))
    body = {
        "jobId": job_id,
        "status": "pending",
        "totalModels": record["totalModels"],
        "createdAt": record["createdAt"],
        "galleryId": record["galleryId"],
        "statusUrl": f"/status/{job_id}",
    }
    return Result(body, status=202)


def _abandon(s3: Any, bucket: str, job_id: str, ticket: ratelimit.Ticket, why: str) -> None:
    """The worker never started: mark the job failed (no orphan pending job), free the slots."""
    log.event(_log, logging.ERROR, "could not start the worker", jobId=job_id, reason=why)
    reason = "the job could not be started"
    try:
        jobs.update(s3, bucket, job_id, lambda d: jobs.fail_unfinished(d, reason, time.time()))
    finally:
        ratelimit.release(s3, bucket, ticket)


@app.get("/status/{jobId}")
def status(request: Request) -> Result:
    job_id = request.path_params["jobId"].lower()
    if not jobs.is_job_id(job_id):
        raise BadRequest("The job id is not a valid UUID.", code="INVALID_JOB_ID")
    cfg = config.get()
    cfg.require_bucket()
    try:
        record = jobs.read(aws.s3(), cfg.bucket, job_id)
    except s3json.NotFound:
        raise NotFound(f"There is no job {job_id}.", code="JOB_NOT_FOUND") from None
    return Result(jobs.view(record, time.time(), cfg.image_base_url))


@app.post("/enhance")
def enhance(request: Request) -> Result:
    prompt = validation.prompt(request.json_object())
    slot = config.get().prompt_model
    providers = backends.current()
    try:
        spec = providers.resolve_model(slot.name)
    except ProviderError as exc:
        raise ServiceUnavailable(
            f"The prompt model is misconfigured: {exc.message}", code="CONFIG_ERROR"
        ) from None
    try:
        deadline = time.monotonic() + ENHANCE_SECONDS
        label = f"Model{slot.index}Key"
        enhanced = providers.enhance(spec, slot.key, prompt, deadline, key_label=label)
    except ProviderError as exc:
        if exc.code in CONFIG_CODES:  # the operator's to fix, not the provider's failure
            raise ServiceUnavailable(
                f"The prompt model is misconfigured: {exc.message}", code="CONFIG_ERROR"
            ) from None
        headers = {"Retry-After": str(int(exc.retry_after))} if exc.retry_after else None
        raise BadGateway(
            f"{slot.name} could not enhance the prompt: {exc.message}",
            code="ENHANCE_FAILED",
            headers=headers,
        ) from None
    if not isinstance(enhanced, str) or not enhanced.strip():
        raise BadGateway(f"{slot.name} returned an empty prompt.", code="ENHANCE_FAILED")
    return Result({"original": prompt, "enhanced": _fit(enhanced.strip())})


def _fit(text: str) -> str:
    """Keep an enhanced prompt within what /generate accepts, cutting at a word boundary."""
    limit = validation.MAX_PROMPT_CHARS
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0]
    return cut if len(cut) > limit // 2 else text[:limit]


@app.get("/gallery/list")
def gallery_list(request: Request) -> Result:
    cfg = config.get()
    cfg.require_bucket()
    raw = request.query.get("limit", str(GALLERY_LIMIT))
    if not raw.isdigit() or not 1 <= int(raw) <= 200:
        raise BadRequest("limit must be a whole number from 1 to 200.", code="INVALID_PARAMETER")
    items = gallery.list_galleries(aws.s3(), cfg.bucket, cfg.image_base_url, int(raw))
    return Result({"galleries": items})


@app.get("/gallery/{galleryId}")
def gallery_get(request: Request) -> Result:
    gid = request.path_params["galleryId"]
    if not gallery.GALLERY_ID.match(gid):
        raise BadRequest("The gallery id is not valid.", code="INVALID_GALLERY_ID")
    cfg = config.get()
    cfg.require_bucket()
    found = gallery.get_gallery(aws.s3(), cfg.bucket, cfg.image_base_url, gid)
    if found is None:
        raise NotFound(f"There is no gallery {gid}.", code="GALLERY_NOT_FOUND")
    return Result(found)


@app.post("/log")
def client_log(request: Request) -> Result:
    if len(request.raw_body) > MAX_LOG_BYTES:
        raise PayloadTooLarge(f"A log report may be at most {MAX_LOG_BYTES // 1024} KB.")
    report = request.json_object()
    level = str(report.get("level", "error")).lower()
    log.event(
        _log,
        logging.WARNING if level in {"warn", "warning", "info", "debug"} else logging.ERROR,
        "client report",
        sourceIp=request.source_ip,
        client={str(k)[:64]: _clip(v) for k, v in list(report.items())[:30]},
    )
    return Result(status=204)


def _clip(value: Any) -> Any:
    """Bound what a client can put in our logs."""
    if isinstance(value, str):
        return value[:2000]
    if isinstance(value, bool | int | float) or value is None:
        return value
    return str(value)[:2000]
