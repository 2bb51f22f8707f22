"""Strict query-string parsing: ASCII digits only (str.isdigit also accepts "²" and "٣", which
int() then refuses), every bad value a 400 with a sentence naming the parameter."""

from __future__ import annotations

import re
import time
from collections.abc import Mapping
from datetime import UTC, datetime

from pixelprompt.errors import BadRequest

_DIGITS = re.compile(r"[0-9]{1,9}")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_DATETIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,6})?)?Z")
DAY = 86400


def _invalid(message: str) -> BadRequest:
    return BadRequest(message, code="INVALID_PARAMETER")


def integer(query: Mapping[str, str], name: str, low: int, high: int, default: int) -> int:
    raw = query.get(name)
    if raw is None:
        return default
    if not _DIGITS.fullmatch(raw) or not low <= int(raw) <= high:
        raise _invalid(f"{name} must be a whole number from {low} to {high}.")
    return int(raw)


def choice(query: Mapping[str, str], name: str, options: tuple[str, ...], default: str) -> str:
    raw = query.get(name, default)
    if raw not in options:
        raise _invalid(f"{name} must be one of {', '.join(options)}.")
    return raw


def token(query: Mapping[str, str], name: str, pattern: re.Pattern[str]) -> str | None:
    raw = query.get(name)
    if raw is None:
        return None
    if not pattern.fullmatch(raw):
        raise _invalid(f"{name} is not a value this API handed out.")
    return raw


def period_start(query: Mapping[str, str], now: float | None = None) -> float | None:
    """The start of the period asked for: `days=N` (the last N days) or `since=` an ISO date
    ("2026-11-01", UTC midnight) or time ("2026-11-01T09:30:00Z"); None for all time."""
    if "days" in query and "since" in query:
        raise _invalid("Give days or since, not both.")
    if "days" in query:
        days = integer(query, "days", 1, 3650, 0)
        return (time.time() if now is None else now) - days * DAY
    raw = query.get("since")
    if raw is None:
        return None
    try:
        if _DATE.fullmatch(raw):
            return datetime.strptime(raw, "%Y-%m-%d").replace(tzinfo=UTC).timestamp()
        if _DATETIME.fullmatch(raw):
            return datetime.fromisoformat(raw[:-1]).replace(tzinfo=UTC).timestamp()
    except ValueError:
        pass
    raise _invalid("since must be a UTC date like 2026-11-01 or a time like 2026-11-01T09:30:00Z.")
