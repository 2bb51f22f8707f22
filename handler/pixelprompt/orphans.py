"""Settling a provisional rate-limit slot: was its job dispatched, or did its request die first?

A /generate killed between admission and dispatch leaves a provisional hit in the counters and,
perhaps, a job record nobody will ever dispatch. The next admission after the dispatch deadline
asks `settle`: a job that was dispatched (or is running, or ran) keeps its slot; an orphan is
failed here, so no job stays pending past its dispatch deadline, and its slot is dropped.
"""

from __future__ import annotations

from typing import Any

from pixelprompt import jobs, reconcile, s3json
from pixelprompt.ratelimit import Settle


def settler(s3: Any, bucket: str) -> Settle:
    def settle(job_id: str, now: float) -> bool:
        try:
            record = jobs.read(s3, bucket, job_id)
        except s3json.NotFound:
            return False  # its request died before it wrote the record
        if record.get("dispatchedAt") or record.get("startedAt"):
            return True
        if jobs.is_orphan(record, now):
            record = reconcile.heal(s3, bucket, record, now)  # fails it, gives the slots back
        # Still running un-marked (its worker started in time) keeps the slot; failed does not.
        return bool(record.get("startedAt") or record.get("dispatchedAt"))

    return settle
