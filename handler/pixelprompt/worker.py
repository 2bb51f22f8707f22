"""The asynchronous half of a job: every configured model at once, each result recorded on arrival.

One thread per model, all started together: the work is waiting on providers' HTTP APIs, so
threads (not a pool capped below the model count) make 20 models take as long as the slowest one.
"""

from __future__ import annotations

import contextvars
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from pixelprompt import aws, budget, costs, images, jobs, log, resultcodes, s3json, scrub, secret
from pixelprompt.backends import Providers
from pixelprompt.config import Config, ModelSlot
from pixelprompt.providers import shapes
from pixelprompt.providers.base import GeneratedImage, GenerationRequest, ProviderError
from pixelprompt.recorder import Recorder

EVENT_KEY = "pixelprompt"
RUN_JOB = "run-job"
SAFETY_MARGIN_S = 20.0  # time kept back to store images and write the final record
MODEL_CAP_S = 300.0  # no provider call may run longer than this, whatever time is left
MIN_MODEL_S = 5.0
JOIN_GRACE_S = 5.0  # how long past the deadline to wait for a thread storing its image
_log = log.get_logger("worker")


def job_event(job_id: str, correlation_id: str) -> dict[str, str]:
    """The payload /generate sends to its own function (InvocationType=Event)."""
    return {EVENT_KEY: RUN_JOB, "jobId": job_id, "correlationId": correlation_id}


def is_job_event(event: Any) -> bool:
    return isinstance(event, dict) and event.get(EVENT_KEY) == RUN_JOB


def model_budget(remaining_ms: int) -> float:
    """Seconds each model may take: what the invocation has left, less the margin, capped."""
    return min(MODEL_CAP_S, remaining_ms / 1000 - SAFETY_MARGIN_S)


class JobRun:
    """One job's fan-out: start every model, record each result as it comes, then finalise."""

    def __init__(
        self, cfg: Config, record: dict[str, Any], providers: Providers, claimed: list[int]
    ) -> None:
        self.cfg = cfg
        self.record = record
        self.job_id = record["jobId"]
        self.providers = providers
        self.s3 = aws.s3()
        self.results: dict[int, dict[str, Any]] = {}
        self.recorder = Recorder(self.s3, cfg.bucket, self.job_id)
        self.lock = threading.Lock()
        params = record.get("parameters", {})
        self.request = GenerationRequest(
            prompt=record["prompt"],
            steps=params.get("steps"),
            guidance=params.get("guidance"),
            control=params.get("control"),
            aspect_ratio=params.get("aspectRatio"),
            seed=params.get("seed"),
        )
        slots = {s.index: s for s in cfg.models}
        # Only the models this run claimed: others were sent by an earlier delivery.
        self.claimed = list(claimed)
        self.slots = [slots[i] for i in self.claimed if i in slots]
        # Which attempt of each claimed model this run makes (a retry is attempt 2, 3, ...).
        self.attempts = {
            r["index"]: int(r.get("attempt", 1))
            for r in record["results"]
            if r["index"] in self.claimed
        }
        self.slugs = images.slugs([(s.index, s.name) for s in cfg.models])
        # The estimate admission reserved for each model: what a model costs when its
        # provider reports nothing.
        self.estimates = {
            r["index"]: float((r.get("cost") or {}).get("usd") or 0) for r in record["results"]
        }
        # Where each claimed model's cost is settled (day, entry): the job's own entry for a
        # first attempt, the retry's for a retried one. Read from the record this run claimed,
        # so a later retry of the same slot never moves this run's correction.
        self.budget_entries = {
            r["index"]: entry
            for r in record["results"]
            if r["index"] in self.claimed and (entry := _budget_entry(record, r)) is not None
        }

    def run(self, budget: float) -> None:
        deadline = time.monotonic() + budget
        threads = [
            threading.Thread(
                target=contextvars.copy_context().run,  # keeps the correlation id in each thread
                args=(self._one, slot, deadline),
                name=f"model-{slot.index}",
                daemon=True,  # a stuck adapter must not keep the invocation alive
            )
            for slot in self.slots
        ]
        self.recorder.start()
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=max(0.0, deadline - time.monotonic() + JOIN_GRACE_S))
        self._finalise()

    def _one(self, slot: ModelSlot, deadline: float) -> None:
        started = time.monotonic()
        try:
            result = self._generate(slot, deadline)
        except Exception as exc:  # one model's bug must not sink the others
            _log.exception("model crashed", extra={"fields": {"model": slot.name}})
            result = resultcodes.error("INTERNAL", f"internal error ({type(exc).__name__})")
            result["cost"] = costs.of_error(None, self.estimates.get(slot.index, 0.0))
        if result.get("error"):  # whatever the adapter did, no form of a key is recorded
            result["error"] = scrub.scrub(str(result["error"]), [slot.key, *scrub.registered()])
        result.update(
            index=slot.index,
            model=slot.name,
            attempt=self.attempts.get(slot.index, 1),
            duration=round(time.monotonic() - started, 2),
        )
        with self.lock:
            self.results[slot.index] = result
        try:
            jobs.save_result(self.s3, self.cfg.bucket, self.job_id, result)
        except Exception:  # the record is what /status reads; this object is the audit trail
            _log.exception("could not save result", extra={"fields": {"model": slot.name}})
        self.recorder.add(result)
        self._settle({slot.index: result["cost"]["usd"]})
        log.event(
            _log,
            logging.INFO,
            "model finished",
            job=self.job_id,
            model=slot.name,
            **_summary(result),
        )

    def _generate(self, slot: ModelSlot, deadline: float) -> dict[str, Any]:
        estimate = self.estimates.get(slot.index, 0.0)
        try:
            spec = self.providers.resolve_model(slot.name)
        except ProviderError as exc:
            error = resultcodes.error(exc.code, _card_error(exc, slot))
            return {**error, "cost": costs.of_error(exc.code, estimate)}
        shape = shapes.shape(
            spec.provider, spec.model_id, self.request.aspect_ratio, self.request.seed
        )
        notes = list(shape.notes)
        asked: dict[str, Any] = {"sent": shape.sent, "notes": notes}
        try:
            label = f"Model{slot.index}Key"  # error messages name the parameter to fix
            image = self.providers.generate(spec, slot.key, self.request, deadline, key_label=label)
        except ProviderError as exc:
            error = resultcodes.error(exc.code, _card_error(exc, slot))
            return {**error, **asked, "cost": costs.of_error(exc.code, estimate)}
        except secret.Unreadable as exc:  # this environment could not read the keys
            error = resultcodes.error(exc.code, exc.message)
            return {**error, **asked, "cost": costs.cost(0.0, True)}  # no provider was called
        cost = costs.of_image(image.cost_usd, estimate)  # paid for, whatever happens next
        try:
            ext, content_type = images.inspect(image.data)
        except images.NotAnImage as exc:
            return {**resultcodes.error("BAD_IMAGE", f"{exc}"), **asked, "cost": cost}
        received = _received(image)
        notes += _shape_notes(shape.sent, received)
        key = images.image_key(
            self.record["galleryId"], self.slugs[slot.index], self.job_id, ext, self._attempt(slot)
        )
        try:
            images.store(self.s3, self.cfg.bucket, key, image.data, content_type)
        except (ClientError, BotoCoreError):
            _log.exception("could not store image", extra={"fields": {"model": slot.name}})
            error = resultcodes.error("STORAGE_FAILED", "the image could not be stored")
            return {**error, **asked, "cost": cost}
        return {
            "status": "completed",
            "provider": spec.provider,
            "modelId": spec.model_id,
            "imageKey": key,
            "error": None,
            "received": received,
            **asked,
            "cost": cost,
        }

    def _settle(self, spent: dict[int, float]) -> None:
        """Correct the day's spend from the estimates to what these models cost (idempotent)."""
        grouped: dict[tuple[str, str], dict[str, float]] = {}
        for index, usd in spent.items():
            if index in self.budget_entries:
                grouped.setdefault(self.budget_entries[index], {})[str(index)] = usd
        for (day, entry), parts in grouped.items():
            try:
                budget.settle(self.s3, self.cfg.bucket, day, entry, parts)
            except Exception:  # the estimate stays held: the budget errs on the safe side
                fields = {"job": self.job_id, "entry": entry}
                _log.exception("could not settle the budget", extra={"fields": fields})

    def _attempt(self, slot: ModelSlot) -> int:
        return self.attempts.get(slot.index, 1)

    def _finalise(self) -> None:
        """One last merge of everything held in memory; this run's unfinished models are errors.

        Only the (model, attempt) pairs this run made are failed: a retry of another model that
        started meanwhile belongs to another run.
        """
        self.recorder.close(timeout=JOIN_GRACE_S)
        with self.lock:
            held = list(self.results.values())
        now = time.time()
        reason = "the model did not answer before the job's deadline"

        def change(doc: dict[str, Any]) -> dict[str, Any] | None:
            merged = jobs.merge_all(doc, held, now) is not None
            ended = jobs.fail_unfinished(
                doc, reason, now, "DEADLINE", only=self.claimed, attempts=self.attempts
            )
            return doc if ended is not None or merged else None

        doc = jobs.update(self.s3, self.cfg.bucket, self.job_id, change)
        # Every model this run sent is final now: those that never answered keep their estimate.
        spent = {index: self.estimates.get(index, 0.0) for index in self.claimed}
        spent.update({r["index"]: r["cost"]["usd"] for r in held if r.get("cost")})
        self._settle(spent)
        log.event(_log, logging.INFO, "job finished", status=(doc or {}).get("status"))


def _budget_entry(record: dict[str, Any], result: dict[str, Any]) -> tuple[str, str] | None:
    """The reservation holding this attempt's estimate; None when no budget held one."""
    held = result.get("budget")
    if isinstance(held, dict) and held.get("day") and held.get("entry"):
        return str(held["day"]), str(held["entry"])
    if int(result.get("attempt", 1)) > 1:  # a retry admitted with no budget set
        return None
    day = (record.get("budget") or {}).get("day")
    return (str(day), str(record["jobId"])) if day else None


def _received(image: GeneratedImage) -> dict[str, Any]:
    """What came back: pixel size as Pillow reads it, and the seed if the provider said."""
    width, height = images.dimensions(image.data)
    return {"width": width, "height": height, "seed": image.seed}


def _shape_notes(sent: dict[str, Any], received: dict[str, Any]) -> list[str]:
    """Say so when the picture's shape is not the one the provider was sent."""
    asked = str(sent.get("size") or sent.get("aspectRatio") or "")
    separator = "x" if "x" in asked else ":"
    try:
        width, height = (int(n) for n in asked.split(separator))
    except ValueError:
        return []
    if (
        not received["height"]
        or abs(received["width"] / received["height"] - width / height) < 0.02
    ):
        return []
    return [f"the image came back {received['width']}x{received['height']}, not {asked}"]


def _card_error(exc: ProviderError, slot: ModelSlot) -> str:
    """A wrong or retired model is the operator's to fix: name the parameter that holds it."""
    if exc.code == ProviderError.UNKNOWN_MODEL:
        return f"Model{slot.index}Name: {exc.message}"
    return exc.message


def _summary(result: dict[str, Any]) -> dict[str, Any]:
    return {k: result.get(k) for k in ("status", "duration", "error")}


def run_job(
    event: dict[str, Any],
    remaining_ms: Callable[[], int],
    cfg: Config,
    providers: Providers,
) -> dict[str, Any]:
    """Handle the worker event; returns a small summary (the async caller ignores it)."""
    job_id = str(event.get("jobId", ""))
    log.set_correlation_id(str(event.get("correlationId") or job_id))
    if not jobs.is_job_id(job_id):
        log.event(_log, logging.ERROR, "worker event without a valid job id", jobId=job_id[:80])
        return {"jobId": job_id[:80], "status": "missing"}
    if not cfg.bucket:
        log.event(_log, logging.ERROR, "S3_BUCKET is not set; cannot run the job", jobId=job_id)
        return {"jobId": job_id, "status": "misconfigured"}
    s3 = aws.s3()
    try:
        record = jobs.read(s3, cfg.bucket, job_id)
    except s3json.NotFound:
        log.event(_log, logging.ERROR, "job record not found", jobId=job_id)
        return {"jobId": job_id, "status": "missing"}
    if record.get("status") in jobs.TERMINAL:
        log.event(_log, logging.WARNING, "job already over; not running", jobId=job_id)
        return {"jobId": job_id, "status": record.get("status")}
    # A re-delivered event: what an earlier run stored is done, whether or not the record
    # learned of it (merged below, before anything is claimed).
    stored = jobs.stored_results(s3, cfg.bucket, job_id, skip=jobs.final_indices(record))
    now = time.time()
    budget = model_budget(remaining_ms())
    if budget < MIN_MODEL_S or cfg.problems:
        reason, code = (
            ("the service is misconfigured", "MISCONFIGURED")
            if cfg.problems
            else ("no time was left to run it", "DEADLINE")
        )

        # Only models nobody sent: an earlier run's models end at the record's deadline.
        def refuse(d: dict[str, Any]) -> dict[str, Any] | None:
            merged = jobs.merge_all(d, stored, now) is not None
            only = jobs.claimable(d)
            failed = jobs.fail_unfinished(d, reason, now, code, only=only) is not None
            return d if failed or merged else None

        jobs.update(s3, cfg.bucket, job_id, refuse)
        return {"jobId": job_id, "status": "failed"}
    # The record's deadline becomes this invocation's own end, so /status can tell a dead worker.
    end = now + budget + SAFETY_MARGIN_S / 2
    claimed: list[int] = []

    def claim(d: dict[str, Any]) -> dict[str, Any] | None:
        # The CAS may run this more than once: the last run is the one written.
        claimed.clear()
        merged = jobs.merge_all(d, stored, now) is not None
        if d.get("status") in jobs.TERMINAL:
            return d if merged else None
        if jobs.is_expired(d, now):  # too late to start: end it, spend nothing
            return d if jobs.expire(d, now) is not None or merged else None
        pending = jobs.claimable(d)
        if jobs.start(d, end, now) is None:
            return d if merged else None
        claimed.extend(pending)
        return d

    record = jobs.update(s3, cfg.bucket, job_id, claim) or record
    if not claimed and record.get("status") in jobs.TERMINAL:
        log.event(_log, logging.WARNING, "job over (cancelled) before it started", jobId=job_id)
        return {"jobId": job_id, "status": record.get("status")}
    if not claimed:
        if record.get("status") in jobs.TERMINAL:
            log.event(_log, logging.WARNING, "job already over; not running", jobId=job_id)
            return {"jobId": job_id, "status": record.get("status")}
        # A re-delivered event (Lambda delivers async events at least once): every model was
        # already sent by an earlier run, and sending it again would pay for it twice.
        log.event(
            _log,
            logging.WARNING,
            "models already sent by an earlier run; not sent again",
            jobId=job_id,
        )
        return {"jobId": job_id, "status": "already-started"}
    log.event(_log, logging.INFO, "job started", jobId=job_id, models=len(claimed))
    JobRun(cfg, record, providers, claimed).run(budget)
    return {"jobId": job_id, "status": "done"}
