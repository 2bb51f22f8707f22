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

Crashes: a /generate killed after its admission but before its job was dispatched must not keep
its slot, or the counter would count a request that was never admitted. So a hit is taken as
*provisional*, `[time, jobId, dispatchBy]`, and the first admission after `dispatchBy` settles
it (`Settle`, see api.py): a job that was dispatched keeps its slot (the hit becomes
`[time, jobId]`), an orphan is failed and its hit dropped. Settling folds into the admission's
own conditional write; it costs one GET of the job record per hit, at most MAX_SETTLE per
counter. A verdict found while taking the per-IP slot holds for the global counter too: an
orphan from this address leaves both at once, however many older hits the shared global
counter still has to settle.
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
MAX_SETTLE = 2  # per admission and counter: one new hit per admission, so this keeps up
Doc = dict[str, Any]
# settle(job id, now) -> True when the job was admitted (dispatched or running), False when its
# request died before dispatching it (the job is failed by then).
Settle = Callable[[str, float], bool]


class _Due(Exception):
    """Provisional hits past their dispatch deadline: settle them, then take the slot."""

    def __init__(self, tokens: list[str]) -> None:
        super().__init__(tokens)
        self.tokens = tokens


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
    dispatch_by: float | None = None  # provisional until then (see the module's doc)

    def recorded(self) -> dict[str, Any]:
        """What the job record keeps so that whoever fails an orphan can give the slots back."""
        return {"token": self.token, "counters": [c.key for c in self.taken]}


def _safe(settle: Settle, token: str, now: float) -> bool:
    try:
        return settle(token, now)
    except Exception:  # an unreadable job keeps its slot: over-counting beats over-admitting
        return True


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


def _settled(
    hits: list[list[Any]], verdicts: dict[str, bool], now: float, budget: int
) -> list[list[Any]]:
    """Apply known verdicts; raise _Due for up to `budget` provisional hits past their deadline
    without one (the rest stay provisional, and counted, for a later admission to settle)."""
    due = [h[1] for h in hits if len(h) > 2 and now > h[2] and h[1] not in verdicts]
    if due and budget > 0:
        raise _Due(due[:budget])
    kept = []
    for hit in hits:
        if len(hit) > 2 and hit[1] in verdicts:
            if not verdicts[hit[1]]:
                continue  # an orphan: never admitted
            hit = hit[:2]
        kept.append(hit)
    return kept


def _take(
    counter: Counter, ticket: Ticket, now: float, verdicts: dict[str, bool], budget: int
) -> Callable[[Doc | None], Doc]:
    def change(doc: Doc | None) -> Doc:
        hits = [h for h in (doc or {}).get("hits", []) if h[0] > now - counter.window]
        hits = _settled(hits, verdicts, now, budget)
        if len(hits) >= counter.limit:
            oldest = min(h[0] for h in hits)
            raise _Full(oldest + counter.window - now)
        hit: list[Any] = [now, ticket.token]
        if ticket.dispatch_by is not None:
            hit.append(ticket.dispatch_by)
        hits.append(hit)
        return {"window": counter.window, "limit": counter.limit, "hits": hits}

    return change


def _take_one(
    s3: Any,
    bucket: str,
    counter: Counter,
    ticket: Ticket,
    now: float,
    settle: Settle | None,
    verdicts: dict[str, bool],
) -> None:
    """Take one counter's slot; `verdicts` is shared by the admission's counters."""
    asked = 0
    try:
        for _ in range(2 + MAX_SETTLE):  # bounded: at most MAX_SETTLE verdicts are asked for
            take = _take(counter, ticket, now, verdicts, MAX_SETTLE - asked)
            try:
                s3json.update(s3, bucket, counter.key, take)
                return
            except _Due as due:
                for token in due.tokens:
                    # Without a settler (or on its failure) the hit simply stays counted.
                    verdicts[token] = True if settle is None else _safe(settle, token, now)
                    asked += 1
        raise s3json.TooMuchContention(counter.key)
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
    token: str | None = None,
    dispatch_by: float | None = None,
    settle: Settle | None = None,
) -> Ticket:
    """Take a slot in the scope's per-IP and global counter, or raise TooManyRequests.

    With `dispatch_by`, the slot is provisional until then and `token` must be the job id, so
    that a later admission can `settle` it.
    """
    now = time.time() if now is None else now
    ticket = Ticket(token=token or uuid.uuid4().hex, dispatch_by=dispatch_by)
    if ip and ip in cfg.ip_whitelist:
        return ticket
    counters = [ip_counter(cfg, ip or "unknown", scope)] if cfg.ip_rate_limit > 0 else []
    if cfg.global_rate_limit > 0:
        counters.append(global_counter(cfg, scope))
    verdicts: dict[str, bool] = {}
    for counter in counters:
        try:
            _take_one(s3, cfg.bucket, counter, ticket, now, settle, verdicts)
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


def release_recorded(s3: Any, bucket: str, record: dict[str, Any]) -> None:
    """Give back the slots a job record says its request took (an orphan being failed)."""
    kept = record.get("rateLimit")
    if not isinstance(kept, dict) or not kept.get("token"):
        return
    counters = [Counter(str(key), 0, 0) for key in kept.get("counters") or []]
    release(s3, bucket, Ticket(token=str(kept["token"]), taken=counters))


def human_wait(seconds: float) -> str:
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
        _take_one(s3, cfg.bucket, counter, Ticket(token=uuid.uuid4().hex), now, None, {})
    except _Full as full:
        raise TooManyRequests(
            f"The limit of {counter.limit} arena requests per hour from your address has been "
            f"reached; try again in {human_wait(full.retry_after)}.",
            retry_after=math.ceil(full.retry_after),
        ) from None
