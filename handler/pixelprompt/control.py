"""Run control on a job record: cancel a job, retry one failed model. Pure changes for
`jobs.update` (the record's compare-and-swap), so each is exact under concurrency:

- Two retries of one model race: the first turns its result from "error" to "pending", the
  second then finds it pending and is refused (409), so the model is submitted exactly once.
- Cancel and a model finishing race: whichever write lands first, the other re-reads and applies
  on top. A result that completed first stays completed; a model cancelled first and whose
  image still arrives (its request was already sent and paid) gets the image -- nothing is lost.
- Models not yet submitted when the cancel lands are never submitted: the worker reads the
  record before starting and refuses a terminal (cancelled) job, and its own start is a
  compare-and-swap that does nothing on a terminal record.
"""

from __future__ import annotations

from typing import Any

from pixelprompt import costs, jobs
from pixelprompt.errors import BadRequest, Conflict

Doc = dict[str, Any]


def cancel(doc: Doc, now: float) -> Doc | None:
    """Every unfinished model becomes an error "cancelled"; None when already cancelled."""
    expired = jobs.is_expired(doc, now)
    if doc.get("status") in jobs.TERMINAL or expired:
        if doc.get("cancelled") and not expired:
            return None  # cancelling twice is the same as once
        raise Conflict(
            "The job has already finished; there is nothing to cancel.", code="JOB_FINISHED"
        )
    for r in doc["results"]:
        if r.get("status") not in jobs.FINAL:
            r.update(status="error", error=jobs.CANCELLED_ERROR, errorCode=jobs.CANCELLED)
    doc["cancelled"] = True
    doc["cancelledAt"] = jobs.iso(now)
    doc["error"] = jobs.CANCELLED_ERROR
    doc["updatedAt"] = jobs.iso(now)
    return jobs.summarise(doc)


def retry(
    doc: Doc, index: int, now: float, estimate_usd: float = 0.0, held: Doc | None = None
) -> Doc:
    """The failed model in slot `index` becomes pending again, as its next attempt.

    The attempt carries its own estimate and, under a daily budget, the reservation that holds
    it (`held`: {"day", "entry"}), which the worker settles to the attempt's measured cost; the
    earlier attempt's cost was settled in the job's own entry and stays there.
    """
    if jobs.is_expired(doc, now):  # its worker died: what is unfinished has failed
        jobs.fail_unfinished(doc, jobs.STOPPED, now)
        doc["status"] = "failed"
    result = next((r for r in doc["results"] if r["index"] == index), None)
    if result is None:
        slots = ", ".join(str(r["index"]) for r in doc["results"])
        raise BadRequest(
            f"This job has no model in slot {index}; its slots are {slots}.",
            code="INVALID_MODELS",
        )
    if result.get("status") != "error":
        state = "is still running" if result.get("status") not in jobs.FINAL else "succeeded"
        raise Conflict(
            f"The model in slot {index} {state}; only a failed model can be retried.",
            code="NOT_RETRYABLE",
        )
    attempt = int(result.get("attempt", 1)) + 1
    earlier = [*result.get("earlierErrors", []), result.get("error")]
    dropped = ("imageKey", "duration", "error", "errorCode", "sent", "received", "notes", "budget")
    for name in dropped:
        result.pop(name, None)
    result.update(
        status="pending", imageKey=None, duration=None, error=None, attempt=attempt,
        earlierErrors=earlier[-5:], retriedAt=jobs.iso(now), cost=costs.cost(estimate_usd, False),
    )  # fmt: skip
    if held is not None:
        result["budget"] = dict(held)
    doc.pop("error", None)
    doc["status"] = "in_progress"
    doc["updatedAt"] = jobs.iso(now)
    deadline = max(float(doc.get("deadline") or 0), now + jobs.PENDING_DEADLINE_SECONDS)
    return jobs.summarise(jobs.with_deadline(doc, deadline))


def give_up_retry(doc: Doc, index: int, attempt: int, reason: str, now: float) -> Doc | None:
    """The retry's worker could not be started: that attempt fails (the job never hangs) and,
    as nothing was sent, costs nothing."""
    failed = jobs.fail_unfinished(doc, reason, now, only=[index], attempts={index: attempt})
    if failed is not None:
        for r in failed["results"]:
            if r["index"] == index:
                r["cost"] = costs.cost(0.0, True)
    return failed
