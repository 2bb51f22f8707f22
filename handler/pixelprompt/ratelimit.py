"""Rate limits kept in S3: GLOBAL_RATE_LIMIT per rolling hour, IP_RATE_LIMIT per IP per rolling day.

Every paid route has its own pair of counters (its `scope`): /generate keeps the original keys
(`ratelimit/global.json`, `ratelimit/ip/...`), any other paid route lives under
`ratelimit/<scope>/`, so enhancing prompts cannot use up the image limit or the other way round.

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
import hmac
import math
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pixelprompt import s3json, secret
from pixelprompt.config import Config
from pixelprompt.errors import ServiceUnavailable, TooManyRequests

HOUR = 3600
DAY = 86400
PREFIX = "ratelimit/"
DEFAULT_SCOPE = "generate"
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


def _prefix(scope: str) -> str:
    return PREFIX if scope == DEFAULT_SCOPE else f"{PREFIX}{scope}/"


def global_counter(cfg: Config, scope: str = DEFAULT_SCOPE) -> Counter:
    return Counter(f"{_prefix(scope)}global.json", cfg.global_rate_limit, HOUR)


def ip_digest(ip: str, salt: str) -> str:
    """HMAC-SHA256 of the address under the stack's own random key: an object name cannot be
    turned back into an address by hashing every IPv4 address (there are only 2**32).
    surrogatepass: whatever the event holds, never a crash."""
    data = ip.encode("utf-8", "surrogatepass")
    return hmac.new(salt.encode(), data, hashlib.sha256).hexdigest()[:32]


def ip_counter(cfg: Config, ip: str, scope: str = DEFAULT_SCOPE) -> Counter:
    digest = ip_digest(ip, secret.get().rate_limit_salt)
    return Counter(f"{_prefix(scope)}ip/{digest}.json", cfg.ip_rate_limit, DAY)


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


def admit(
    s3: Any,
    cfg: Config,
    ip: str,
    now: float | None = None,
    *,
    scope: str = DEFAULT_SCOPE,
    what: str = "image requests",
) -> Ticket:
    """Take a slot in the scope's per-IP and global counter, or raise TooManyRequests."""
    now = time.time() if now is None else now
    ticket = Ticket(token=uuid.uuid4().hex)
    if ip and ip in cfg.ip_whitelist:
        return ticket
    counters = [ip_counter(cfg, ip or "unknown", scope)] if cfg.ip_rate_limit > 0 else []
    if cfg.global_rate_limit > 0:
        counters.append(global_counter(cfg, scope))
    for counter in counters:
        try:
            _take_one(s3, cfg.bucket, counter, ticket.token, now)
        except _Full as full:
            release(s3, cfg.bucket, ticket)  # a refused request must not keep its IP slot
            per = "from your address per day" if counter.window == DAY else "per hour in total"
            raise TooManyRequests(
                f"The limit of {counter.limit} {what} {per} has been reached; "
                f"try again in {human_wait(full.retry_after)}.",
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


def human_wait(seconds: float) -> str:
    seconds = max(1, math.ceil(seconds))
    if seconds < 120:
        return f"{seconds} seconds"
    if seconds < 7200:
        return f"{math.ceil(seconds / 60)} minutes"
    return f"{math.ceil(seconds / 3600)} hours"
