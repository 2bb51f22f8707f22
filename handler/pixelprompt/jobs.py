"""The job record: `jobs/<jobId>/status.json`, the one object GET /status reads.

Lost updates -- the design, argued:
  Twenty worker threads finish at nearly the same moment and each must land its result. Two
  options were on the table: (a) per-model objects only, with /status listing and reading up to
  21 objects, or (b) one record that every writer updates by compare-and-swap. We do (b) for the
  read path and keep (a) as the write-once audit trail:
    1. each model thread writes `jobs/<id>/results/<index>.json` with IfNoneMatch="*" -- its own
       key, written once, so it can never be lost or overwritten;
    2. it hands the result to the invocation's single recorder (recorder.py), which merges every
       result that has arrived into status.json in one IfMatch=<etag> write, re-reading and
       retrying on 412/409 (s3json.update). S3 conditional writes are atomic, so nothing another
       writer did (a retried worker, the API failing a dispatch) is overwritten; batching keeps
       20 simultaneous results to a handful of writes instead of O(n^2) colliding retries;
    3. when all threads are done (or the deadline passes) the worker makes one final merge of
       every result it holds, so a result whose merge failed is still recorded.
  /status therefore costs exactly one S3 GET, and the record's status is always derived from its
  results by the pure functions below, never set independently.

Deadlines -- every non-terminal record has one, and it is always a real one:
  - `dispatchBy` (DISPATCH_SECONDS after admission): /generate must have handed the job to a
    worker by then. It marks the record `dispatchedAt` once Lambda has queued the event; a record
    still undispatched after `dispatchBy` is an orphan of a crashed request (reconcile.py fails
    it and gives its rate-limit slot back).
  - once dispatched, the deadline is QUEUE_SECONDS later: how long Lambda keeps the event
    (the template's MaximumEventAgeInSeconds) before it dead-letters it;
  - once a worker starts, the deadline is that invocation's own budget (worker.py).
A job whose deadline has passed while models are unfinished is *reported* over by `view`
(finished results kept, the rest "error"), and /status writes that back (reconcile.py).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import ClientError

from pixelprompt import resultcodes, s3json
from pixelprompt.aws import error_code

Doc = dict[str, Any]
FINAL = {"completed", "error"}
TERMINAL = {"completed", "partial", "failed"}
STOPPED = "the worker stopped before this model finished"
NEVER_DISPATCHED = "the job was never handed to a worker (the request that made it failed)"
NEVER_STARTED = "no worker started the job before its deadline"
# /generate writes the record, invokes the worker and marks the record: milliseconds normally.
DISPATCH_SECONDS = 10
# How long Lambda keeps a queued worker event (MaximumEventAgeInSeconds in the template).
QUEUE_SECONDS = 360
CANCELLED = "CANCELLED"
CANCELLED_ERROR = "cancelled"
# A retried model (control.py) is given this long before its worker must have reported.
PENDING_DEADLINE_SECONDS = 960
_REVERSE_MS = 10**13 - 1


def iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def status_key(job_id: str) -> str:
    return f"jobs/{job_id}/status.json"


def result_key(job_id: str, index: int, attempt: int = 1) -> str:
    """The write-once audit object of one model's attempt (a retry is attempt 2, 3, ...)."""
    suffix = "" if attempt <= 1 else f"-attempt{attempt}"
    return f"jobs/{job_id}/results/{index:02d}{suffix}.json"


_JOB_ID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def is_job_id(value: str) -> bool:
    """A canonical lower-case UUID, the only form /generate hands out."""
    return bool(_JOB_ID.fullmatch(value))  # fullmatch: "$" would let a trailing newline in


def new_job_id() -> str:
    return str(uuid.uuid4())


def gallery_id(job_id: str, now: float) -> str:
    """Sorts newest first as a plain string: a reversed millisecond clock, then the job id."""
    return f"{_REVERSE_MS - int(now * 1000):013d}-{job_id}"


def gallery_time(gid: str) -> float:
    return (_REVERSE_MS - int(gid[:13])) / 1000


def new_record(
    *,
    job_id: str,
    prompt: str,
    parameters: dict[str, Any],
    # (slot index, configured name, provider, provider's model id); None when unresolved
    models: list[tuple[int, str, str | None, str | None]],
    now: float,
    correlation_id: str,
) -> Doc:
    results = [
        {
            "index": i,
            "model": name,
            "provider": provider,
            "modelId": model_id,
            "status": "pending",
            "imageKey": None,
            "duration": None,
            "error": None,
        }
        for i, name, provider, model_id in models
    ]
    doc = {
        "schema": 1,
        "jobId": job_id,
        "galleryId": gallery_id(job_id, now),
        "status": "pending",
        "createdAt": iso(now),
        "updatedAt": iso(now),
        "prompt": prompt,
        "parameters": parameters,
        "totalModels": len(results),
        "correlationId": correlation_id,
        "results": results,
        "dispatchBy": round(now + DISPATCH_SECONDS, 3),
    }
    return with_deadline(summarise(doc), now + DISPATCH_SECONDS)


def mark_dispatched(doc: Doc, now: float) -> Doc | None:
    """Lambda queued the worker event: the deadline becomes the queue's. None if already over."""
    if doc.get("status") in TERMINAL or doc.get("dispatchedAt"):
        return None
    doc["dispatchedAt"] = iso(now)
    if doc.get("status") == "pending":  # a worker that already started set its own deadline
        with_deadline(doc, now + QUEUE_SECONDS)
    return doc


def is_orphan(doc: Doc, now: float) -> bool:
    """Made by a /generate that never dispatched it, and past the time it had to."""
    return (
        doc.get("status") == "pending"
        and not doc.get("dispatchedAt")
        and "dispatchBy" in doc
        and now > float(doc["dispatchBy"])
    )


def with_deadline(doc: Doc, deadline: float) -> Doc:
    doc["deadline"] = round(deadline, 3)
    doc["expiresAt"] = iso(deadline)
    return doc


def summarise(doc: Doc) -> Doc:
    """Recompute counts and the job status from the results (the only place status is derived)."""
    results = doc["results"]
    done = [r for r in results if r.get("status") in FINAL]
    ok = sum(1 for r in done if r["status"] == "completed")
    doc["completedModels"] = len(done)
    doc["succeededModels"] = ok
    doc["failedModels"] = len(done) - ok
    if results and len(done) == len(results):
        doc["status"] = "completed" if ok == len(results) else ("partial" if ok else "failed")
    elif doc.get("status") not in TERMINAL:
        started = any(r.get("status") != "pending" for r in results)
        doc["status"] = (
            "in_progress" if started or doc.get("status") == "in_progress" else "pending"
        )
    return doc


def start(doc: Doc, deadline: float, now: float) -> Doc | None:
    """Claim every pending model for this worker run; None when none is pending, or when the
    job is already over (then the worker must not run).

    A model leaves "pending" exactly once, in this compare-and-swap write, before its request is
    sent. A re-delivered worker event therefore finds the models already claimed and sends
    nothing: each is a paid request, and a model the first run sent may have been billed even if
    that run died before its answer came. Those models end as errors at the record's deadline
    (or sooner: see deadletter.py).
    """
    pending = claimable(doc)
    if doc.get("status") in TERMINAL or is_expired(doc, now) or not pending:
        return None
    for r in doc["results"]:
        if r["index"] in pending:
            r["status"] = "in_progress"
    doc["status"] = "in_progress"
    doc["startedAt"] = iso(now)
    doc["updatedAt"] = iso(now)
    return summarise(with_deadline(doc, deadline))


def claimable(doc: Doc) -> list[int]:
    """Slot indices no worker run has sent yet."""
    return [r["index"] for r in doc["results"] if r.get("status") == "pending"]


def merge(doc: Doc, result: Doc, now: float) -> Doc | None:
    """Put a finished model result into the record; None when there is nothing to change."""
    for i, r in enumerate(doc["results"]):
        if r["index"] != result["index"]:
            continue
        if r.get("status") in FINAL and not _supersedes(r, result):
            return None  # first final answer wins; replays change nothing
        if r.get("attempt", 1) != result.get("attempt", 1):
            return None  # a late answer of an earlier attempt
        doc["results"][i] = {**r, **result}
        doc["updatedAt"] = iso(now)
        return summarise(doc)
    return None


def _supersedes(current: Doc, result: Doc) -> bool:
    """An image that arrives after its model was cancelled was already paid for: keep it."""
    return current.get("errorCode") == CANCELLED and result.get("status") == "completed"


def merge_all(doc: Doc, results: list[Doc], now: float) -> Doc | None:
    """Merge several results at once; None when none of them changes the record."""
    changed = False
    for result in results:
        changed = merge(doc, result, now) is not None or changed
    return doc if changed else None


def fail_unfinished(
    doc: Doc,
    reason: str,
    now: float,
    code: str = "WORKER_STOPPED",
    only: Iterable[int] | None = None,
    *,
    attempts: Mapping[int, int] | None = None,
) -> Doc | None:
    """Unfinished results (of the slots in `only`, when given) become errors with `code`
    (resultcodes); finished ones stay. With `attempts` (slot -> attempt) only those attempts: a
    retry that another run has started is its own."""
    changed = False
    for r in doc["results"]:
        if attempts is not None and int(r.get("attempt", 1)) != attempts.get(r["index"], 1):
            continue
        if r.get("status") not in FINAL and (only is None or r["index"] in only):
            r.update(resultcodes.error(code, reason))
            changed = True
    if not changed:
        return None
    doc["updatedAt"] = iso(now)
    return summarise(doc)


def is_expired(doc: Doc, now: float) -> bool:
    return doc.get("status") not in TERMINAL and now > float(doc.get("deadline", 0) or 0)


def expire(doc: Doc, now: float) -> Doc | None:
    """Past its deadline: the job is over. Finished results stay; the rest say why they stopped.

    Status follows the results (partial when some finished). None when not expired.
    """
    if not is_expired(doc, now):
        return None
    if is_orphan(doc, now):
        reason, code = NEVER_DISPATCHED, "NOT_STARTED"
    elif doc.get("status") == "pending":
        reason, code = NEVER_STARTED, "NOT_STARTED"
    else:
        reason, code = STOPPED, "WORKER_STOPPED"
    fail_unfinished(doc, reason, now, code)
    doc["error"] = "The job ran out of time before every model finished."
    return doc


def view(doc: Doc, now: float, image_base_url: str) -> Doc:
    """The /status answer: internal fields dropped, deadline applied, image URLs added."""
    hidden = {"schema", "correlationId", "rateLimit", "budget"}  # bookkeeping stays internal
    out = {k: v for k, v in doc.items() if k not in hidden}
    out["results"] = [{k: v for k, v in r.items() if k != "budget"} for r in doc["results"]]
    if expire(out, now) is not None:
        out["updatedAt"] = doc.get("updatedAt")
    for r in out["results"]:
        key = r.get("imageKey")
        r["imageUrl"] = f"{image_base_url}/{key}" if key and image_base_url else None
        r["url"] = r["imageUrl"]  # compatibility alias read by the original Pixel Prompt client
    return out


# ---- S3 I/O ---------------------------------------------------------------------------------


def create(s3: Any, bucket: str, doc: Doc) -> None:
    s3json.write(s3, bucket, status_key(doc["jobId"]), doc)


def read(s3: Any, bucket: str, job_id: str) -> Doc:
    """The stored record; raises s3json.NotFound."""
    return s3json.read(s3, bucket, status_key(job_id))[0]


def read_or(s3: Any, bucket: str, job_id: str, missing: Any) -> Doc:
    """The stored record, or raise `missing(job_id)`."""
    try:
        return read(s3, bucket, job_id)
    except s3json.NotFound:
        raise missing(job_id) from None


def update(s3: Any, bucket: str, job_id: str, change: Any) -> Doc | None:
    def guarded(doc: Doc | None) -> Doc | None:
        return None if doc is None else change(doc)

    return s3json.update(s3, bucket, status_key(job_id), guarded)


def results_prefix(job_id: str) -> str:
    return f"jobs/{job_id}/results/"


def stored_results(s3: Any, bucket: str, job_id: str, skip: set[int]) -> list[Doc]:
    """The write-once result objects of `job_id`, except those for slot indices in `skip`.

    One LIST (a job has at most 20 objects there), then one GET per result not skipped.
    """
    listed = s3.list_objects_v2(Bucket=bucket, Prefix=results_prefix(job_id), MaxKeys=100)
    found: list[Doc] = []
    for item in listed.get("Contents", []):
        # "NN.json", or "NN-attemptK.json" for a retry (merge keeps only the current attempt)
        name = item["Key"].rsplit("/", 1)[-1].removesuffix(".json").split("-", 1)[0]
        if not name.isdigit() or int(name) in skip:
            continue
        try:
            result = s3json.read(s3, bucket, item["Key"])[0]
        except s3json.NotFound:
            continue
        if result.get("status") in FINAL and isinstance(result.get("index"), int):
            found.append(result)
    return found


def final_indices(doc: Doc) -> set[int]:
    return {r["index"] for r in doc["results"] if r.get("status") in FINAL}


def save_result(s3: Any, bucket: str, job_id: str, result: Doc) -> None:
    """Write the model's own write-once object (step 1 above); a replay finds it taken."""
    key = result_key(job_id, result["index"], int(result.get("attempt", 1)))
    try:
        s3json.write(s3, bucket, key, result)
    except ClientError as exc:
        if error_code(exc) not in s3json.RETRY_CODES:
            raise
