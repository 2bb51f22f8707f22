"""Blind votes: one write-once object per job, `votes/<jobId>.json`, written only by the function.

One vote per job, and no update: the object is created with IfNoneMatch="*", so of any number of
simultaneous voters on one job exactly one is stored and the others are told it was taken (409),
and votes on different jobs never touch the same object, so none can be lost. A vote carries a
snapshot of the job's finished candidates (model identity, latency, cost), so the leaderboard
never needs the job records, which expire after 30 days; votes do not expire.
"""

from __future__ import annotations

import csv
import io
import json
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from botocore.exceptions import ClientError

from pixelprompt import jobs, s3json
from pixelprompt.aws import error_code
from pixelprompt.errors import BadRequest, Conflict
from pixelprompt.validation import slot_indices

PREFIX = "votes/"
MAX_RANKED = 5
MAX_VOTES_READ = 5000  # bounds one leaderboard request (S3 GETs, parallel)
READ_THREADS = 16
Doc = dict[str, Any]


def key(job_id: str) -> str:
    return f"{PREFIX}{job_id}.json"


def identity(result: Doc) -> str:
    """A model's identity on the leaderboard: provider/model id, not its slot or label."""
    provider = result.get("provider") or "unknown"
    return f"{provider}/{result.get('modelId') or result.get('model')}"


def ranking(body: Doc, completed: set[int]) -> tuple[str, list[int]]:
    """("best" | "ranking", slot indices best first) from a vote body, validated."""
    has_best, has_ranking = "best" in body, "ranking" in body
    if has_best == has_ranking:
        raise BadRequest(
            'Send either "best" (one slot number) or "ranking" (slot numbers, best first).',
            code="INVALID_VOTE",
        )
    chosen = [body["best"]] if has_best else body["ranking"]
    picked = list(slot_indices(chosen, completed, "the vote"))
    if len(picked) > MAX_RANKED:
        raise BadRequest(f"A ranking may hold at most {MAX_RANKED} images.", code="INVALID_VOTE")
    return ("best" if has_best else "ranking"), picked


def build(record: Doc, body: Doc, now: float) -> Doc:
    """The vote document for a finished job, or a sentence-bearing 400/409."""
    if record.get("status") not in jobs.TERMINAL:
        raise Conflict(
            "The job is still running; vote once every model has finished.", code="JOB_RUNNING"
        )
    done = [r for r in record["results"] if r.get("status") == "completed"]
    if len(done) < 2:
        raise Conflict(
            f"A vote compares at least two images; this job has {len(done)}.",
            code="NOTHING_TO_COMPARE",
        )
    completed = {r["index"] for r in done}
    try:
        kind, picked = ranking(body, completed)
    except BadRequest as exc:
        if exc.code == "INVALID_MODELS":  # say it in terms of the vote
            raise BadRequest(
                exc.message
                + " Only this job's finished images can be picked: slots "
                + ", ".join(str(i) for i in sorted(completed))
                + ".",
                code="INVALID_VOTE",
            ) from None
        raise
    return {
        "schema": 1,
        "jobId": record["jobId"],
        "votedAt": jobs.iso(now),
        "votedAtTs": round(now, 3),
        "kind": kind,
        "ranking": picked,
        "prompt": record.get("prompt", ""),
        "aspectRatio": record.get("parameters", {}).get("aspectRatio", "1:1"),
        "candidates": [
            {
                "index": r["index"],
                "model": r.get("model"),
                "identity": identity(r),
                "duration": r.get("duration"),
                "cost": r.get("cost"),
            }
            for r in done
        ],
    }


def store(s3: Any, bucket: str, vote: Doc) -> None:
    """Create the job's vote object once; a second vote is a 409, never an overwrite."""
    for _ in range(5):
        try:
            s3json.write(s3, bucket, key(vote["jobId"]), vote)
            return
        except ClientError as exc:
            code = error_code(exc)
            if code == "PreconditionFailed":
                raise Conflict(
                    "This job already has a vote; each job takes one.", code="ALREADY_VOTED"
                ) from None
            if code not in ("ConditionalRequestConflict", "OperationAborted"):
                raise
            # Another create of the same key was in flight: one of them wins; look again.
    raise Conflict("This job already has a vote; each job takes one.", code="ALREADY_VOTED")


def read(s3: Any, bucket: str, job_id: str) -> Doc | None:
    try:
        return s3json.read(s3, bucket, key(job_id))[0]
    except s3json.NotFound:
        return None


def read_all(s3: Any, bucket: str, since: float | None) -> tuple[list[Doc], bool]:
    """Every vote cast at or after `since` (oldest first), and whether the cap cut the list
    (then the newest MAX_VOTES_READ are the ones read)."""
    listed: list[tuple[float, str]] = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=PREFIX):
        for obj in page.get("Contents", []):
            # Votes are write-once, so LastModified is the moment of the vote: old ones are
            # skipped without being read.
            modified = obj["LastModified"].timestamp()
            if since is None or modified >= since - 5:
                listed.append((modified, obj["Key"]))
    listed.sort(reverse=True)
    keys = [key for _, key in listed[:MAX_VOTES_READ]]
    with ThreadPoolExecutor(max_workers=READ_THREADS) as pool:
        docs = list(pool.map(lambda k: _read_key(s3, bucket, k), keys))
    found = [d for d in docs if d is not None and (since is None or d["votedAtTs"] >= since)]
    return sorted(found, key=lambda d: (d["votedAtTs"], d["jobId"])), len(listed) > len(keys)


def _read_key(s3: Any, bucket: str, object_key: str) -> Doc | None:
    try:
        doc = s3json.read(s3, bucket, object_key)[0]
    except (s3json.NotFound, ValueError):
        return None
    return doc if isinstance(doc.get("candidates"), list) else None


def public(vote: Doc) -> Doc:
    return {k: v for k, v in vote.items() if k not in {"schema"}}


CSV_COLUMNS = [
    "votedAt", "jobId", "kind", "rank", "slot", "model", "identity", "durationSeconds",
    "costUsd", "aspectRatio", "prompt",
]  # fmt: skip


def to_csv(votes: list[Doc]) -> str:
    """One row per candidate image of each vote; rank is empty for images not ranked."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for vote in votes:
        places = {index: place for place, index in enumerate(vote["ranking"], start=1)}
        for c in vote["candidates"]:
            cost = c.get("cost")
            usd = cost.get("usd") if isinstance(cost, dict) else cost
            writer.writerow(
                [
                    vote["votedAt"], vote["jobId"], vote["kind"], places.get(c["index"], ""),
                    c["index"], _cell(c.get("model")), _cell(c["identity"]),
                    "" if c.get("duration") is None else c["duration"],
                    "" if usd is None else usd, vote.get("aspectRatio", ""),
                    _cell(vote.get("prompt")),
                ]
            )  # fmt: skip
    return out.getvalue()


def _cell(value: Any) -> str:
    """Text a spreadsheet will not run as a formula (CSV injection)."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def to_json(votes: list[Doc]) -> str:
    return json.dumps({"votes": [public(v) for v in votes]})
