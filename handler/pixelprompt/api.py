"""The HTTP routes (pixelprompt.contract lists them; docs/DESIGN.md describes them).

Each reads like the contract; errors are raised, not returned.
"""

from __future__ import annotations

import copy
import logging
import time
import uuid
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from pixelprompt import (
    aws,
    backends,
    budget,
    config,
    control,
    costs,
    dispatch,
    gallery,
    jobs,
    leaderboard,
    log,
    longpoll,
    orphans,
    query,
    ratelimit,
    reconcile,
    s3json,
    validation,
    votes,
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
from pixelprompt.gate import Gate
from pixelprompt.providers import shapes
from pixelprompt.providers.base import ProviderError
from pixelprompt.providers.prices import CHAT_CALL_USD
from pixelprompt.router import Result, Router

app = Router(gate=Gate())
_log = log.get_logger("api")
ENHANCE_SECONDS = 25.0  # API Gateway gives up after 30 s
MAX_LOG_BYTES = 8 * 1024
GALLERY_LIMIT = 50
CONFIG_CODES = {ProviderError.NO_CHAT, ProviderError.MISSING_KEY, ProviderError.UNKNOWN_MODEL}


def _resolved(providers: backends.Providers, name: str) -> tuple[str | None, str | None]:
    """(provider, model id) a configured name maps to; Nones when unknown (a per-model error
    later). The pair is the model's identity on the leaderboard."""
    try:
        spec = providers.resolve_model(name)
    except ProviderError:
        return None, None
    return spec.provider, spec.model_id


# Paid, and admits itself: its rate-limit slot is tied to the job record (orphans.py).
@app.post("/generate", admits_itself=True)
def generate(request: Request) -> Result:
    cfg = config.get()
    cfg.require_bucket()
    cfg.require_models()
    wanted = validation.generate_input(request.json_object(), {m.index for m in cfg.models})
    chosen = [m for m in cfg.models if wanted.models is None or m.index in wanted.models]
    providers = backends.current()
    s3 = aws.s3()
    job_id, now = jobs.new_job_id(), time.time()
    # The slot is provisional until the job is dispatched: a request that dies before that
    # leaves no slot behind (a later admission settles it, see ratelimit.py).
    ticket = ratelimit.admit(
        s3,
        cfg,
        request.source_ip,
        now,
        token=job_id,
        dispatch_by=now + jobs.DISPATCH_SECONDS,
        settle=orphans.settler(s3, cfg.bucket),
    )
    record = jobs.new_record(
        job_id=job_id,
        prompt=wanted.prompt,
        parameters=wanted.parameters(),
        models=[(m.index, m.name, *_resolved(providers, m.name)) for m in chosen],
        now=now,
        correlation_id=request.correlation_id,
    )
    record["rateLimit"] = ticket.recorded()
    try:
        held = _reserve_budget(s3, cfg, providers, chosen, record, now)
    except BaseException:
        ratelimit.release(s3, cfg.bucket, ticket)  # refused by the budget: no slot kept
        raise
    try:
        jobs.create(s3, cfg.bucket, record)
        if time.time() >= record["dispatchBy"]:  # too late: it would already count as orphaned
            raise dispatch.DispatchError("the job record took too long to write")
        dispatch.send(worker.job_event(job_id, request.correlation_id))
    except dispatch.DispatchError as exc:
        _cancel_budget(s3, cfg.bucket, held)
        _abandon(s3, cfg.bucket, job_id, ticket, str(exc))
        raise ServiceUnavailable(
            "The image job could not be started; please try again shortly.",
            code="DISPATCH_FAILED",
        ) from exc
    except BaseException:
        _cancel_budget(s3, cfg.bucket, held)
        ratelimit.release(s3, cfg.bucket, ticket)
        raise
    _mark_dispatched(s3, cfg.bucket, job_id)
    log.event(_log, logging.INFO, "job created", jobId=job_id, models=len(chosen))
    body = {
        "jobId": job_id,
        "status": "pending",
        "totalModels": record["totalModels"],
        "createdAt": record["createdAt"],
        "galleryId": record["galleryId"],
        "statusUrl": f"/status/{job_id}",
    }
    return Result(body, status=202)


def _reserve_budget(
    s3: Any,
    cfg: config.Config,
    providers: backends.Providers,
    chosen: list[config.ModelSlot],
    record: dict[str, Any],
    now: float,
) -> budget.Reservation | None:
    """Each model's estimate on its card, and the job's total held against today's budget."""
    estimates = {m.index: costs.estimate(*_resolved(providers, m.name)) for m in chosen}
    for result in record["results"]:
        result["cost"] = costs.cost(estimates.get(result["index"], 0.0), False)
    parts = {str(i): usd for i, usd in estimates.items()}
    held = budget.reserve(s3, cfg.bucket, cfg.daily_budget_usd, record["jobId"], parts, now)
    if held is not None:
        record["budget"] = {"day": held.day}
    return held


def _cancel_budget(s3: Any, bucket: str, held: budget.Reservation | None) -> None:
    if held is not None:
        budget.cancel(s3, bucket, held)


def _mark_dispatched(s3: Any, bucket: str, job_id: str) -> None:
    """The event is queued: give the job the queue's deadline instead of the dispatch one.

    Not fatal when it fails: the worker is on its way. If it starts within the dispatch
    deadline the job runs; if not, it is failed as never dispatched (its slot given back) and
    the late worker finds it over and spends nothing.
    """
    try:
        done = jobs.update(s3, bucket, job_id, lambda d: jobs.mark_dispatched(d, time.time()))
    except Exception:
        _log.exception("could not mark the job dispatched", extra={"fields": {"jobId": job_id}})
        return
    if done is not None and done.get("status") in jobs.TERMINAL and not done.get("startedAt"):
        log.event(_log, logging.WARNING, "job was ended before it was marked", jobId=job_id)


def _abandon(s3: Any, bucket: str, job_id: str, ticket: ratelimit.Ticket, why: str) -> None:
    """The worker never started: mark the job failed (no orphan pending job), free the slots."""
    log.event(_log, logging.ERROR, "could not start the worker", jobId=job_id, reason=why)
    reason = "the job could not be started"
    try:
        jobs.update(
            s3,
            bucket,
            job_id,
            lambda d: jobs.fail_unfinished(d, reason, time.time(), "NOT_STARTED"),
        )
    finally:
        ratelimit.release(s3, bucket, ticket)


def _job_id(request: Request) -> str:
    job_id = request.path_params["jobId"].lower()
    if not jobs.is_job_id(job_id):
        raise BadRequest("The job id is not a valid UUID.", code="INVALID_JOB_ID")
    return job_id


def _no_job(job_id: str) -> NotFound:
    return NotFound(f"There is no job {job_id}.", code="JOB_NOT_FOUND")


@app.get("/models")
def list_models(request: Request) -> Result:
    """The configured models (slot, name, identity) and, per aspect ratio, what each would be
    sent and what it cannot honour: the page's model picker and its notes before a run."""
    cfg = config.get()
    cfg.require_models()
    providers = backends.current()
    return Result(
        {
            "aspectRatios": list(shapes.ASPECT_RATIOS),
            "maxSeed": shapes.MAX_SEED,
            "models": [_model_entry(providers, slot) for slot in cfg.models],
        }
    )


def _model_entry(providers: backends.Providers, slot: config.ModelSlot) -> dict[str, Any]:
    provider, model_id = _resolved(providers, slot.name)
    entry: dict[str, Any] = {
        "index": slot.index,
        "name": slot.name,
        "provider": provider,
        "modelId": model_id,
        "identity": f"{provider}/{model_id}" if provider else None,
    }
    if provider and model_id:
        entry["shapes"] = {
            ratio: {
                "sent": shapes.shape(provider, model_id, ratio, None).sent,
                "notes": list(shapes.shape(provider, model_id, ratio, None).notes),
            }
            for ratio in shapes.ASPECT_RATIOS
        }
        entry["takesSeed"] = shapes.shape(provider, model_id, None, 1).sent.get("seed") == 1
    return entry


@app.get("/status/{jobId}")
def status(request: Request) -> Result:
    job_id = _job_id(request)
    # The bounded long-poll (longpoll.py); without `wait` this is exactly one S3 GET.
    wait = query.integer(request.query, "wait", 0, longpoll.MAX_WAIT_SECONDS, 0)
    since = query.token(request.query, "since", longpoll.STAMP)
    cfg = config.get()
    cfg.require_bucket()
    s3 = aws.s3()

    def read_view() -> dict[str, Any]:
        try:
            record = jobs.read(s3, cfg.bucket, job_id)
        except s3json.NotFound:
            raise _no_job(job_id) from None
        now = time.time()
        if reconcile.needs_healing(record, now):  # never for a healthy job: one GET is the rule
            record = _healed(s3, cfg.bucket, record, now)
        view = jobs.view(record, now, cfg.image_base_url)
        view["cost"] = costs.total(view["results"])
        return view

    return Result(longpoll.until_changed(read_view, since, wait, terminal=jobs.TERMINAL))


def _healed(s3: Any, bucket: str, record: dict[str, Any], now: float) -> dict[str, Any]:
    """The record merged with its stored results; as read if S3 will not take the write."""
    try:
        return reconcile.heal(s3, bucket, record, now)
    except (ClientError, BotoCoreError, s3json.TooMuchContention):
        fields = {"jobId": record["jobId"]}
        _log.exception("could not heal the job record", extra={"fields": fields})
        return record


def _update_job(s3: Any, bucket: str, job_id: str, change: Any) -> dict[str, Any]:
    """Compare-and-swap `change` on the job record; 404 when there is no such job."""

    def guarded(doc: dict[str, Any] | None) -> dict[str, Any] | None:
        if doc is None:
            raise _no_job(job_id)
        return change(doc)

    try:
        found = s3json.update(s3, bucket, jobs.status_key(job_id), guarded)
    except s3json.TooMuchContention:
        raise ServiceUnavailable(
            "The job is being updated by many writers at once; please try again.",
            code="BUSY",
            headers={"Retry-After": "2"},
        ) from None
    if found is None:
        raise _no_job(job_id)
    return found


# Paid, and admits itself: the budget first, then its slot, then the job's CAS; what it took
# is given back if the retry cannot start.
@app.post("/jobs/{jobId}/retry", admits_itself=True)
def retry_model(request: Request) -> Result:
    """Run one failed model of a job again, into the same job (a paid request)."""
    job_id = _job_id(request)
    body = request.json_object()
    index = body.get("model")
    if isinstance(index, bool) or not isinstance(index, int):
        raise BadRequest(
            '"model" must be the slot number of the model to retry.', code="INVALID_MODELS"
        )
    cfg = config.get()
    cfg.require_bucket()
    cfg.require_models()
    slot = next((m for m in cfg.models if m.index == index), None)
    if slot is None:
        raise BadRequest(f"There is no model in slot {index}.", code="INVALID_MODELS")
    s3 = aws.s3()
    record = jobs.read_or(s3, cfg.bucket, job_id, _no_job)  # 404 before taking a slot
    control.retry(copy.deepcopy(record), index, time.time())  # 400/409 before any write
    estimate = costs.estimate(*_resolved(backends.current(), slot.name))
    # A day already spent is refused before any counter is written; `reserve` below decides.
    budget.check(s3, cfg.bucket, cfg.daily_budget_usd, estimate, time.time())
    ticket = ratelimit.admit(s3, cfg, request.source_ip)
    held: budget.Reservation | None = None
    try:
        held = _reserve_retry(s3, cfg, job_id, index, estimate)
        ref = None if held is None else {"day": held.day, "entry": held.entry}
        doc = _update_job(
            s3, cfg.bucket, job_id, lambda d: control.retry(d, index, time.time(), estimate, ref)
        )
        attempt = next(r["attempt"] for r in doc["results"] if r["index"] == index)
    except BaseException:
        _give_back(s3, cfg.bucket, held, ticket)
        raise
    try:
        dispatch.send(worker.job_event(job_id, request.correlation_id))
    except dispatch.DispatchError as exc:
        log.event(_log, logging.ERROR, "could not start the retry", jobId=job_id, reason=str(exc))
        reason = "the retry could not be started"
        now = time.time()
        try:
            give_up = lambda d: control.give_up_retry(d, index, attempt, reason, now)  # noqa: E731
            jobs.update(s3, cfg.bucket, job_id, give_up)
        finally:
            _give_back(s3, cfg.bucket, held, ticket)
        raise ServiceUnavailable(
            "The retry could not be started; please try again shortly.", code="DISPATCH_FAILED"
        ) from exc
    log.event(_log, logging.INFO, "model retried", jobId=job_id, index=index, attempt=attempt)
    body = {
        "jobId": job_id,
        "model": index,
        "attempt": attempt,
        "status": doc["status"],
        "statusUrl": f"/status/{job_id}",
    }
    return Result(body, status=202)


def _reserve_retry(
    s3: Any, cfg: config.Config, job_id: str, index: int, estimate: float
) -> budget.Reservation | None:
    """Hold the model's estimate in an entry of this retry's own (the job's entry is already
    settled for the earlier attempt); the worker settles its part, named by the slot."""
    entry = f"{job_id}:retry-{uuid.uuid4().hex}"
    parts = {str(index): estimate}
    return budget.reserve(s3, cfg.bucket, cfg.daily_budget_usd, entry, parts, time.time())


def _give_back(
    s3: Any, bucket: str, held: budget.Reservation | None, ticket: ratelimit.Ticket
) -> None:
    """Nothing was sent: the reservation and the rate-limit slot go back."""
    try:
        _cancel_budget(s3, bucket, held)
    finally:
        ratelimit.release(s3, bucket, ticket)


@app.post("/jobs/{jobId}/cancel")
def cancel_job(request: Request) -> Result:
    """Stop a running job: models not yet submitted never are; the job ends now."""
    job_id = _job_id(request)
    cfg = config.get()
    cfg.require_bucket()
    s3 = aws.s3()
    ratelimit.admit_arena(s3, cfg, request.source_ip)
    doc = _update_job(s3, cfg.bucket, job_id, lambda d: control.cancel(d, time.time()))
    log.event(_log, logging.INFO, "job cancelled", jobId=job_id, status=doc.get("status"))
    return Result(jobs.view(doc, time.time(), cfg.image_base_url))


@app.post("/jobs/{jobId}/vote")
def vote_on_job(request: Request) -> Result:
    """One blind vote per finished job: the best image, or the top few in order."""
    job_id = _job_id(request)
    body = request.json_object()
    cfg = config.get()
    cfg.require_bucket()
    s3 = aws.s3()
    ratelimit.admit_arena(s3, cfg, request.source_ip)
    record = jobs.read_or(s3, cfg.bucket, job_id, _no_job)
    record = jobs.view(record, time.time(), cfg.image_base_url)  # a dead worker's job is over
    vote = votes.build(record, body, time.time())
    votes.store(s3, cfg.bucket, vote)
    log.event(_log, logging.INFO, "vote stored", jobId=job_id, ranked=len(vote["ranking"]))
    return Result(_revealed(vote, record), status=201)


def _revealed(vote: dict[str, Any], record: dict[str, Any]) -> dict[str, Any]:
    """The stored vote, plus what blind mode hid: each ranked slot's model name."""
    names = {r["index"]: r["model"] for r in record["results"]}
    return {
        **votes.public(vote),
        "revealed": [{"index": i, "model": names.get(i)} for i in vote["ranking"]],
    }


@app.get("/jobs/{jobId}/vote")
def get_vote(request: Request) -> Result:
    job_id = _job_id(request)
    cfg = config.get()
    cfg.require_bucket()
    s3 = aws.s3()
    ratelimit.admit_arena(s3, cfg, request.source_ip)
    found = votes.read(s3, cfg.bucket, job_id)
    if found is None:
        raise NotFound(f"Job {job_id} has no vote.", code="VOTE_NOT_FOUND")
    return Result(votes.public(found))


@app.get("/leaderboard")
def get_leaderboard(request: Request) -> Result:
    since = query.period_start(request.query)
    cfg = config.get()
    cfg.require_bucket()
    s3 = aws.s3()
    ratelimit.admit_arena(s3, cfg, request.source_ip)
    found, truncated = votes.read_all(s3, cfg.bucket, since)
    body = {
        "method": "bradley-terry",
        "scale": "1000 + 400*log10(strength); geometric-mean strength = 1000",
        "interval": f"95% percentile bootstrap, {leaderboard.BOOTSTRAP_ROUNDS} rounds, fixed seed",
        "since": None if since is None else jobs.iso(since),
        "totalVotes": len(found),
        "truncated": truncated,
        "models": leaderboard.table(found),
    }
    return Result(body)


@app.get("/votes")
def export_votes(request: Request) -> Result:
    """Every vote (or a period's), as JSON or CSV, for the owner's own analysis."""
    fmt = query.choice(request.query, "format", ("json", "csv"), "json")
    since = query.period_start(request.query)
    cfg = config.get()
    cfg.require_bucket()
    s3 = aws.s3()
    ratelimit.admit_arena(s3, cfg, request.source_ip)
    found, truncated = votes.read_all(s3, cfg.bucket, since)
    headers = {"X-Votes-Truncated": "true"} if truncated else {}
    if fmt == "csv":
        headers["Content-Disposition"] = 'attachment; filename="votes.csv"'
        return Result(votes.to_csv(found), headers=headers, content_type="text/csv; charset=utf-8")
    headers["Content-Disposition"] = 'attachment; filename="votes.json"'
    return Result(
        {"votes": [votes.public(v) for v in found], "truncated": truncated}, headers=headers
    )


# Paid: the router takes its rate-limit slots (counters of its own) before this runs.
@app.post("/enhance", what="prompt enhancements")
def enhance(request: Request) -> Result:
    prompt = validation.prompt(request.json_object())
    cfg = config.get()
    slot = cfg.prompt_model
    providers = backends.current()
    try:
        spec = providers.resolve_model(slot.name)
    except ProviderError as exc:
        raise ServiceUnavailable(
            f"The prompt model is misconfigured: {exc.message}", code="CONFIG_ERROR"
        ) from None
    s3 = aws.s3()
    entry = f"enhance-{uuid.uuid4().hex}"
    held = budget.reserve(
        s3, cfg.bucket, cfg.daily_budget_usd, entry, {"chat": CHAT_CALL_USD}, time.time()
    )
    try:
        deadline = time.monotonic() + ENHANCE_SECONDS
        label = f"Model{slot.index}Key"
        request.start_paid_work()
        enhanced = providers.enhance(spec, slot.key, prompt, deadline, key_label=label)
    except ProviderError as exc:
        if held is not None:  # the estimate stays unless the provider refused at the door
            spent = 0.0 if exc.code in costs.NOT_BILLED else CHAT_CALL_USD
            budget.settle(s3, cfg.bucket, held.day, held.entry, {"chat": spent})
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
    if held is not None:
        budget.settle(s3, cfg.bucket, held.day, held.entry, {"chat": CHAT_CALL_USD})
    if not isinstance(enhanced, str) or not enhanced.strip():
        raise BadGateway(f"{slot.name} returned an empty prompt.", code="ENHANCE_FAILED")
    text = _fit(enhanced.strip())
    # short_prompt/long_prompt: compatibility aliases read by the original Pixel Prompt client.
    return Result(
        {"original": prompt, "enhanced": text, "short_prompt": prompt, "long_prompt": text}
    )


def _fit(text: str) -> str:
    """Keep an enhanced prompt within what /generate accepts, cutting at a word boundary."""
    limit = validation.MAX_PROMPT_CHARS
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0]
    return cut if len(cut) > limit // 2 else text[:limit]


@app.get("/gallery/list")
def gallery_list(request: Request) -> Result:
    limit = query.integer(request.query, "limit", 1, 200, GALLERY_LIMIT)
    after = query.token(request.query, "cursor", gallery.GALLERY_ID)
    cfg = config.get()
    cfg.require_bucket()
    return Result(gallery.list_page(aws.s3(), cfg.bucket, cfg.image_base_url, limit, after))


@app.get("/gallery/{galleryId}")
def gallery_get(request: Request) -> Result:
    gid = request.path_params["galleryId"]
    if not gallery.GALLERY_ID.fullmatch(gid):
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
