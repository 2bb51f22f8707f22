"""Healing a job record from what was stored: the write-once results are the truth.

The record (status.json) is what /status reads, but a worker can store every result object and
image and still fail to update the record (S3 refusing the write, the worker killed between the
two). `heal` merges the result objects that exist into the record, ends a job that is past its
deadline (keeping what finished), and writes that back with the same compare-and-swap every
writer uses, so the next read is the usual single GET.

When: a healthy job's record is updated within seconds of every result, so /status heals only
a record that is not terminal and either stale (no update for STALE_SECONDS) or past its
deadline. That costs one LIST of `jobs/<id>/results/` and one GET per result the record lacks,
plus one conditional write when something changed (bench/load.py measures it).
"""

from __future__ import annotations

import json
import logging
from datetime import datetime
from typing import Any

from pixelprompt import jobs, log, ratelimit

STALE_SECONDS = 10.0
_log = log.get_logger("reconcile")
Doc = dict[str, Any]


def _epoch(iso: Any) -> float:
    try:
        return datetime.fromisoformat(str(iso).replace("Z", "+00:00")).timestamp()
    except ValueError:
        return 0.0


def needs_healing(doc: Doc, now: float) -> bool:
    if doc.get("status") in jobs.TERMINAL:
        return False
    return jobs.is_expired(doc, now) or now - _epoch(doc.get("updatedAt")) > STALE_SECONDS


def heal(s3: Any, bucket: str, doc: Doc, now: float, *, give_up: str | None = None) -> Doc:
    """Merge stored results into the record, end it if it is past its deadline, write it back.

    `give_up` (a sentence) ends the job now whatever its deadline: the dead-letter path, where
    Lambda has stopped retrying the worker. Returns the record as it now stands.
    """
    job_id = doc["jobId"]
    stored = jobs.stored_results(s3, bucket, job_id, skip=jobs.final_indices(doc))
    orphaned: list[bool] = [False]

    def change(current: Doc) -> Doc | None:
        orphaned[0] = jobs.is_orphan(current, now)
        merged = jobs.merge_all(current, stored, now) is not None
        if current.get("status") in jobs.TERMINAL:
            return current if merged else None
        if give_up is not None:
            ended = jobs.fail_unfinished(current, give_up, now, "WORKER_STOPPED") is not None
        else:
            ended = jobs.expire(current, now) is not None
        return current if merged or ended else None

    if change(json.loads(json.dumps(doc))) is None:
        return doc  # nothing to merge and not over: no write (and no second read)
    healed = jobs.update(s3, bucket, job_id, change) or doc
    if orphaned[0] and healed.get("status") in jobs.TERMINAL:
        # Never dispatched, so never admitted: its rate-limit slots go back.
        ratelimit.release_recorded(s3, bucket, healed)
    if healed is not doc:
        log.event(
            _log,
            logging.INFO,
            "job record healed",
            jobId=job_id,
            status=healed.get("status"),
            storedResults=len(stored),
        )
    return healed
