"""The dead-letter queue's consumer: a worker event Lambda gave up on ends its job at once.

A worker invocation that fails (killed, out of memory, timed out) is not retried (the template's
EventInvokeConfig: a retry could pay for models twice); Lambda sends its event to the
function's DLQ (SQS), as it does an event older than MaximumEventAgeInSeconds. An event source
mapping on that queue delivers the message to this same function; here the job is healed from
its stored results and every unfinished model is ended, so the job reads `partial` or `failed`
within seconds instead of at its deadline. Why a DLQ consumer rather
than an on-failure destination: see docs/ARCHITECTURE.md ("When a worker dies").

Processing is idempotent (the record's compare-and-swap; a terminal job is left alone), so a
message delivered twice changes nothing. A message whose job could not be updated (S3 refused,
too much contention) is reported as a batch item failure and comes back after the queue's
visibility timeout; a message that is not a worker event is logged and dropped.
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from pixelprompt import aws, config, jobs, log, reconcile, s3json, scrub, worker

_log = log.get_logger("deadletter")
GAVE_UP = "the worker failed on every attempt Lambda made"
MAX_REASON = 300


def is_sqs_event(event: Any) -> bool:
    records = event.get("Records") if isinstance(event, dict) else None
    return (
        isinstance(records, list)
        and bool(records)
        and all(isinstance(r, dict) and r.get("eventSource") == "aws:sqs" for r in records)
    )


def _job_id(record: dict[str, Any]) -> str | None:
    try:
        body = json.loads(record.get("body") or "")
    except ValueError:
        return None
    job_id = str(body.get("jobId", "")) if worker.is_job_event(body) else ""
    return job_id if jobs.is_job_id(job_id) else None


def _lambda_error(record: dict[str, Any]) -> str:
    """Lambda's ErrorMessage attribute (the first 1 KB of the error), clipped and scrubbed."""
    attribute = (record.get("messageAttributes") or {}).get("ErrorMessage") or {}
    text = str(attribute.get("stringValue") or "")
    return scrub.scrub_registered(" ".join(text.split()))[:MAX_REASON]


def end_job(s3: Any, bucket: str, job_id: str, now: float) -> str | None:
    """Heal and end the job; its status afterwards (None when there is no such job)."""
    try:
        record = jobs.read(s3, bucket, job_id)
    except s3json.NotFound:
        return None
    if record.get("status") in jobs.TERMINAL:
        return str(record["status"])
    healed = reconcile.heal(s3, bucket, record, now, give_up=GAVE_UP)
    return str(healed.get("status"))


def handle(event: dict[str, Any]) -> dict[str, Any]:
    """The SQS batch: {"batchItemFailures": [...]} names the messages to deliver again."""
    cfg = config.get()
    failures: list[dict[str, str]] = []
    s3 = aws.s3()
    for record in event["Records"]:
        message_id = str(record.get("messageId", ""))
        job_id = _job_id(record)
        if job_id is None or not cfg.bucket:
            log.event(_log, logging.ERROR, "dead letter is not a worker event; dropped")
            continue
        log.set_correlation_id(job_id)
        try:
            status = end_job(s3, cfg.bucket, job_id, time.time())
        except (ClientError, BotoCoreError, s3json.TooMuchContention):
            _log.exception("could not end a dead-lettered job", extra={"fields": {"jobId": job_id}})
            failures.append({"itemIdentifier": message_id})
            continue
        log.event(
            _log,
            logging.WARNING,
            "dead-lettered job ended",
            jobId=job_id,
            status=status,
            lambdaError=_lambda_error(record),
        )
    return {"batchItemFailures": failures}
