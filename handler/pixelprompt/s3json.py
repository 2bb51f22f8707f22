"""JSON documents in S3, updated with optimistic concurrency (compare-and-swap on the ETag).

S3 conditional writes are atomic: `IfNoneMatch="*"` creates only if absent, `IfMatch=<etag>`
replaces only the version we read. A writer that loses the race (412 PreconditionFailed, or 409
ConditionalRequestConflict while another conditional write is in flight) re-reads, re-applies
its change and tries again after a jittered pause, so concurrent writers never lose updates.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable
from typing import Any

from botocore.exceptions import ClientError

from pixelprompt.aws import error_code, http_status

Doc = dict[str, Any]
RETRY_CODES = {"PreconditionFailed", "ConditionalRequestConflict", "OperationAborted"}


class NotFound(Exception):
    """The document does not exist."""


class TooMuchContention(Exception):
    """A conditional update kept losing the race; the caller decides what that means."""


def read(s3: Any, bucket: str, key: str) -> tuple[Doc, str]:
    """The document and its ETag; raises NotFound."""
    try:
        response = s3.get_object(Bucket=bucket, Key=key)
    except ClientError as exc:
        if error_code(exc) in {"NoSuchKey", "404"}:
            raise NotFound(key) from exc
        raise
    body = json.loads(response["Body"].read())
    if not isinstance(body, dict):
        raise ValueError(f"s3://{bucket}/{key} does not hold a JSON object")
    return body, response["ETag"]


def write(s3: Any, bucket: str, key: str, doc: Doc, *, etag: str | None = None) -> str:
    """Write `doc`: create-only when etag is None, else replace exactly that version."""
    condition = {"IfMatch": etag} if etag else {"IfNoneMatch": "*"}
    response = s3.put_object(
        Bucket=bucket,
        Key=key,
        Body=json.dumps(doc, separators=(",", ":")).encode(),
        ContentType="application/json",
        CacheControl="no-store",
        **condition,
    )
    return response["ETag"]


def _lost_race(exc: ClientError) -> bool:
    return error_code(exc) in RETRY_CODES or http_status(exc) in {409, 412}


def update(
    s3: Any,
    bucket: str,
    key: str,
    change: Callable[[Doc | None], Doc | None],
    *,
    attempts: int = 60,
    budget: float = 20.0,
) -> Doc | None:
    """Apply `change` to the current document (None when absent) and write it atomically.

    `change` returns the new document, or None to write nothing; it may raise to abort. It can be
    called several times, so it must be pure. Returns the document as written (or as read).
    """
    give_up = time.monotonic() + budget
    for attempt in range(attempts):
        try:
            current, etag = read(s3, bucket, key)
        except NotFound:
            current, etag = None, None
        new = change(json.loads(json.dumps(current)) if current is not None else None)
        if new is None:
            return current
        try:
            write(s3, bucket, key, new, etag=etag)
            return new
        except ClientError as exc:
            if not _lost_race(exc) and error_code(exc) != "NoSuchKey":
                raise
        if time.monotonic() >= give_up:
            break
        # Full jitter: spreads the losers out so the next round has fewer collisions.
        time.sleep(random.uniform(0, min(0.25, 0.01 * 2 ** min(attempt, 5))))
    raise TooMuchContention(key)
