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

A job whose deadline has passed while models are unfinished is *reported* failed by `view`
(finished results kept, the rest "error"): a worker that dies cannot leave a job in progress.
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import ClientError

from pixelprompt import s3json
from pixelprompt.aws import error_code

Doc = dict[str, Any]
FINAL = {"completed", "error"}
TERMINAL = {"completed", "partial", "failed"}
STOPPED = "the worker stopped before this model finished"
# Before the worker starts, allow a full Lambda lifetime (900 s) plus a minute of queueing.
PENDING_DEADLINE_SECONDS = 960
_REVERSE_MS = 10**13 - 1


def iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def status_key(job_id: str) -> str:
    return f"jobs/{job_id}/status.json"


def result_key(job_id: str, index: int) -> str:
    return f"jobs/{job_id}/results/{index:02d}.json"


_JOB_ID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def is_job_id(value: str) -> bool:
    """A canonical lower-case UUID, the only form /generate hands out."""
    return bool(_JOB_ID.match(value))


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
    models: list[tuple[int, str, str | None]],  # (slot index, configured name, provider)
    now: float,
    correlation_id: str,
) -> Doc:
    results = [
        {
            "index": i,
            "model": name,
            "provider": provider,
            "status": "pending",
            "imageKey": None,
            "duration": None,
            "error": None,
        }
        for i, name, provider in models
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
    }
    return with_deadline(summarise(doc), now + PENDING_DEADLINE_SECONDS)


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
    """Claim every pending model for this worker run; None when none is pending.

    A model leaves "pending" exactly once, in this compare-and-swap write, before its request is
    sent. A re-delivered worker event therefore finds the models already claimed and sends
    nothing: each is a paid request, and a model the first run sent may have been billed even if
    that run died before its answer came. Those models end as errors at the record's deadline.
    """
    pending = claimable(doc)
    if not pending:
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
        if r.get("status") in FINAL:  # first final answer wins; replays change nothing
            return None
        doc["results"][i] = {**r, **result}
        doc["updatedAt"] = iso(now)
        return summarise(doc)
    return None


def merge_all(doc: Doc, results: list[Doc], now: float) -> Doc | None:
    """Merge several results at once; None when none of them changes the record."""
    changed = False
    for result in results:
        changed = merge(doc, result, now) is not None or changed
    return doc if changed else None


def fail_unfinished(doc: Doc, reason: str, now: float, only: list[int] | None = None) -> Doc | None:
    """Unfinished results (of the slots in `only`, when given) become errors."""
    changed = False
    for r in doc["results"]:
        if r.get("status") not in FINAL and (only is None or r["index"] in only):
            r.update(status="error", error=reason)
            changed = True
    if not changed:
        return None
    doc["updatedAt"] = iso(now)
    return summarise(doc)


def is_expired(doc: Doc, now: float) -> bool:
    return doc.get("status") not in TERMINAL and now > float(doc.get("deadline", 0) or 0)


def view(doc: Doc, now: float, image_base_url: str) -> Doc:
    """The /status answer: internal fields dropped, deadline applied, image URLs added."""
    out = {k: v for k, v in doc.items() if k not in {"schema", "correlationId"}}
    out["results"] = [dict(r) for r in doc["results"]]
    if is_expired(out, now):
        # The worker died or never ran: the job is over. Finished results stay as they are.
        fail_unfinished(out, STOPPED, now)
        out["status"] = "failed"
        out["error"] = "The job ran out of time before every model finished."
        out["updatedAt"] = doc.get("updatedAt")
    for r in out["results"]:
        key = r.get("imageKey")
        r["imageUrl"] = f"{image_base_url}/{key}" if key and image_base_url else None
    return out


# ---- S3 I/O ---------------------------------------------------------------------------------


def create(s3: Any, bucket: str, doc: Doc) -> None:
    s3json.write(s3, bucket, status_key(doc["jobId"]), doc)


def read(s3: Any, bucket: str, job_id: str) -> Doc:
    """The stored record; raises s3json.NotFound."""
    return s3json.read(s3, bucket, status_key(job_id))[0]


def update(s3: Any, bucket: str, job_id: str, change: Any) -> Doc | None:
    def guarded(doc: Doc | None) -> Doc | None:
        return None if doc is None else change(doc)

    return s3json.update(s3, bucket, status_key(job_id), guarded)


def save_result(s3: Any, bucket: str, job_id: str, result: Doc) -> None:
    """Write the model's own write-once object (step 1 above); a replay finds it taken."""
    try:
        s3json.write(s3, bucket, result_key(job_id, result["index"]), result)
    except ClientError as exc:
        if error_code(exc) not in s3json.RETRY_CODES:
            raise
