"""The daily budget in money (DAILY_BUDGET_USD; 0 = none), kept exact under concurrency.

One JSON document per UTC day, `budget/<YYYY-MM-DD>.json`, updated only by compare-and-swap
(s3json.update, the machinery the rate limits use), so twenty simultaneous requests against a
budget with room for three admit exactly three. Each admitted request adds one entry holding its
parts (a job's models) as [usd, final]: at admission every part holds the price table's estimate
(final=0); when a model finishes its part is replaced by the measured cost, or kept at the
estimate where the provider reports none (final=1). A fully settled entry folds into one number,
which keeps the document small and makes a replayed correction change nothing.

Spent = the sum of every entry, settled or reserved: a job still running counts at its estimate,
so concurrent jobs cannot together pass the budget.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from pixelprompt import s3json
from pixelprompt.errors import ServiceUnavailable, TooManyRequests
from pixelprompt.ratelimit import human_wait

PREFIX = "budget/"
EPSILON = 1e-9  # float sums: a budget of exactly three estimates admits three
Doc = dict[str, Any]


class BudgetExhausted(TooManyRequests):
    code = "BUDGET_EXHAUSTED"


@dataclass(frozen=True)
class Reservation:
    """What one admitted request holds; `day` finds the document again after midnight."""

    day: str
    entry: str
    usd: float


class _Over(Exception):
    def __init__(self, spent: float) -> None:
        super().__init__(spent)
        self.spent = spent


def day_of(now: float) -> str:
    return datetime.fromtimestamp(now, UTC).strftime("%Y-%m-%d")


def doc_key(day: str) -> str:
    return f"{PREFIX}{day}.json"


def seconds_to_reset(now: float) -> int:
    """Seconds until the next UTC midnight, when a new day's document starts empty."""
    moment = datetime.fromtimestamp(now, UTC)
    midnight = (moment + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    return max(1, math.ceil((midnight - moment).total_seconds()))


def spent(doc: Mapping[str, Any] | None) -> float:
    total = 0.0
    for entry in (doc or {}).get("entries", {}).values():
        if isinstance(entry, int | float):
            total += float(entry)
        elif isinstance(entry, Mapping):
            total += sum(float(part[0]) for part in entry.values())
    return round(total, 6)


def reserve(
    s3: Any, bucket: str, limit_usd: float, entry: str, parts: Mapping[str, float], now: float
) -> Reservation | None:
    """Hold `parts` (e.g. {"1": 0.04, "2": 0.06}) against today's budget, or BudgetExhausted.

    None when there is no budget (limit 0): nothing is written.
    """
    if limit_usd <= 0:
        return None
    day = day_of(now)
    want = round(sum(parts.values()), 6)

    def change(doc: Doc | None) -> Doc | None:
        doc = doc or {"day": day, "entries": {}}
        if entry in doc["entries"]:
            return None  # already held (a replayed request)
        used = spent(doc)
        if used + want > limit_usd + EPSILON:
            raise _Over(used)
        doc["entries"][entry] = {p: [round(usd, 6), 0] for p, usd in parts.items()}
        doc["limitUsd"] = limit_usd
        return doc

    try:
        _update(s3, bucket, day, change)
    except _Over as over:
        raise _refusal(limit_usd, over.spent, want, now) from None
    return Reservation(day=day, entry=entry, usd=want)


def check(s3: Any, bucket: str, limit_usd: float, want: float, now: float) -> None:
    """BudgetExhausted, without writing anything, when today's spend already leaves no room.

    Only a fast path taken before any other write (a rate-limit slot): `reserve` decides.
    """
    if limit_usd <= 0:
        return
    try:
        doc = s3json.read(s3, bucket, doc_key(day_of(now)))[0]
    except s3json.NotFound:
        return
    used = spent(doc)
    if used + round(want, 6) > limit_usd + EPSILON:
        raise _refusal(limit_usd, used, round(want, 6), now)


def settle(s3: Any, bucket: str, day: str, entry: str, costs: Mapping[str, float]) -> None:
    """Replace the named parts' estimates by their final cost; replays change nothing."""

    def change(doc: Doc | None) -> Doc | None:
        held = (doc or {}).get("entries", {}).get(entry)
        if doc is None or not isinstance(held, dict):
            return None  # unknown, cancelled or already folded
        changed = False
        for part, usd in costs.items():
            if part in held and not held[part][1]:
                held[part] = [round(max(0.0, usd), 6), 1]
                changed = True
        if not changed:
            return None
        if all(p[1] for p in held.values()):
            doc["entries"][entry] = round(sum(p[0] for p in held.values()), 6)
        return doc

    _update(s3, bucket, day, change)


def cancel(s3: Any, bucket: str, reservation: Reservation) -> None:
    """Give the whole reservation back (the request did no paid work)."""

    def change(doc: Doc | None) -> Doc | None:
        if doc is None or reservation.entry not in doc.get("entries", {}):
            return None
        del doc["entries"][reservation.entry]
        return doc

    _update(s3, bucket, reservation.day, change)


def _update(s3: Any, bucket: str, day: str, change: Any) -> None:
    try:
        s3json.update(s3, bucket, doc_key(day), change)
    except s3json.TooMuchContention as exc:
        raise ServiceUnavailable(
            "Too many requests are arriving at once; please try again in a moment.",
            code="BUSY",
            headers={"Retry-After": "2"},
        ) from exc


def _refusal(limit: float, used: float, want: float, now: float) -> BudgetExhausted:
    wait = seconds_to_reset(now)
    return BudgetExhausted(
        f"Today's budget of {_usd(limit)} is spent up to {_usd(used)} (running jobs count at "
        f"their estimate) and this request would cost up to {_usd(want)}; the budget resets "
        f"at midnight UTC, in {human_wait(wait)}.",
        retry_after=wait,
    )


def _usd(amount: float) -> str:
    """Dollars and cents, with a third decimal only where cents would hide the amount."""
    cents = round(amount, 2)
    return f"${amount:,.2f}" if abs(cents - amount) < 1e-9 or amount >= 1 else f"${amount:.3f}"
