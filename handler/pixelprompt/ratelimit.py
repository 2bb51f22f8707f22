"""Rate limits kept in S3: GLOBAL_RATE_LIMIT per rolling hour, IP_RATE_LIMIT per IP per rolling day.

Each counter is one JSON object under `ratelimit/` holding the admission times inside its window.
Admission is a compare-and-swap (s3json.update): read, prune, refuse if full, append, write with
IfMatch/IfNoneMatch. Twenty simultaneous requests at a limit of five therefore admit exactly five
-- a plain read-then-write counter would admit more. A rolling window (not a fixed one) gives an
honest Retry-After: the moment the oldest admission leaves the window.

We chose S3 over DynamoDB because the stack has no table and the limits are low-rate; the cost is
one GET and one PUT per counter per admitted request.
"""

from __future__ import annotations

import contextlib
import hashlib
import math
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pixelprompt import s3json
from pixelprompt.config import Config
from pixelprompt.errors import ServiceUnavailable, TooManyRequests

HOUR = 3600
DAY = 86400
PREFIX = "ratelimit/"
Doc = dict[str, Any]


class _Full(Exception):
    def __init__(self, retry_after: float) -> None:
        super().__init__(retry_after)
        self.retry_after = retry_after


@dataclass(frozen=True)
class Counter:
    key: str
    limit: int
    window: int


@dataclass
class Ticket:
    """The slots one request took; `release` gives them back (e.g. the job could not start)."""

    token: str
    taken: list[Counter] = field(default_factory=list)


def global_counter(cfg: Config) -> Counter:
    return Counter(f"{PREFIX}global.json", cfg.global_rate_limit, HOUR)


def ip_counter(cfg: Config, ip: str) -> Counter:
    # Hashed: no raw IPs in key names. surrogatepass: whatever the event holds, never a crash.
    digest = hashlib.sha256(ip.encode("utf-8", "surrogatepass")).hexdigest()[:32]
    return Counter(f"{PREFIX}ip/{digest}.json", cfg.ip_rate_limit, DAY)


def _take(counter: Counter, token: str, now: float) -> Callable[[Doc | None], Doc]:
    def change(doc: Doc | None) -> Doc:
        hits = [h for h in (doc or {}).get("hits", []) if h[0] > now - counter.window]
        if len(hits) >= counter.limit:
            oldest = min(h[0] for h in hits)
            raise _Full(oldest + counter.window - now)
        hits.append([now, token])
        return {"window": counter.window, "limit": counter.limit, "hits": hits}

    return change


def _take_one(s3: Any, bucket: str, counter: Counter, token: str, now: float) -> None:
    try:
        s3json.update(s3, bucket, counter.key, _take(counter, token, now))
    except s3json.TooMuchContention as exc:
        raise ServiceUnavailable(
            "Too many requests are arriving at once; please try again in a moment.",
            code="BUSY",
            headers={"Retry-After": "2"},
        ) from exc


def admit(s3: Any, cfg: Config, ip: str, now: float | None = None) -> Ticket:
    """Take a slot in the per-IP and the global counter, or raise TooManyRequests."""
    now = time.time() if now is None else now
    ticket = Ticket(token=uuid.uuid4().hex)
    if ip and ip in cfg.ip_whitelist:
        return ticket
    counters = [ip_counter(cfg, ip or "unknown")] if cfg.ip_rate_limit > 0 else []
    if cfg.global_rate_limit > 0:
        counters.append(global_counter(cfg))
    for counter in counters:
        try:
            _take_one(s3, cfg.bucket, counter, ticket.token, now)
        except _Full as full:
            release(s3, cfg.bucket, ticket)  # a refused request must not keep its IP slot
            scope = "from your address per day" if counter.window == DAY else "per hour in total"
            raise TooManyRequests(
                f"The limit of {counter.limit} image requests {scope} has been reached; "
                f"try again in {_human(full.retry_after)}.",
                retry_after=math.ceil(full.retry_after),
            ) from None
        except BaseException:
            release(s3, cfg.bucket, ticket)
            raise
        ticket.taken.append(counter)
    return ticket


def release(s3: Any, bucket: str, ticket: Ticket) -> None:
    """Give back the slots `ticket` took (best effort: a failure only over-counts)."""
    for counter in ticket.taken:

        def change(doc: dict[str, Any] | None) -> dict[str, Any] | None:
            hits = (doc or {}).get("hits", [])
            kept = [h for h in hits if h[1] != ticket.token]
            return None if len(kept) == len(hits) else {**(doc or {}), "hits": kept}

        # Best effort: over-counting one slot beats failing the answer.
        with contextlib.suppress(Exception):
            s3json.update(s3, bucket, counter.key, change)
    ticket.taken.clear()


def _human(seconds: float) -> str:
    seconds = max(1, math.ceil(seconds))
    if seconds < 120:
        return f"{seconds} seconds"
    if seconds < 7200:
        return f"{math.ceil(seconds / 60)} minutes"
    return f"{math.ceil(seconds / 3600)} hours"


# Arena routes (vote, leaderboard, export, cancel) cost S3 requests, not provider money: one
# generous per-IP counter keeps a script from running up the bucket's bill.
ARENA_PER_IP_PER_HOUR = 300


def arena_counter(ip: str) -> Counter:
    digest = hashlib.sha256(ip.encode("utf-8", "surrogatepass")).hexdigest()[:32]
    return Counter(f"{PREFIX}arena/{digest}.json", ARENA_PER_IP_PER_HOUR, HOUR)


def admit_arena(s3: Any, cfg: Config, ip: str, now: float | None = None) -> None:
    """Take one slot of the per-IP arena counter, or raise TooManyRequests."""
    now = time.time() if now is None else now
    if ip and ip in cfg.ip_whitelist:
        return
    counter = arena_counter(ip or "unknown")
    try:
        _take_one(s3, cfg.bucket, counter, uuid.uuid4().hex, now)
    except _Full as full:
        raise TooManyRequests(
            f"The limit of {counter.limit} arena requests per hour from your address has been "
            f"reached; try again in {_human(full.retry_after)}.",
            retry_after=math.ceil(full.retry_after),
        ) from None
