"""The HTTP API stage's own behaviour: access logs in the deployed format, and throttling.

Access log lines follow the stage's AccessLogSettings.Format, with `$context.*` variables filled
in as API Gateway does ("-" when a value does not apply). Throttling is the stage's route
settings as token buckets: a request over the limit is answered 429 before any integration runs.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

_CONTEXT_VAR = re.compile(r"\$context\.([A-Za-z0-9_.]+)")


@dataclass(frozen=True)
class Throttle:
    rate_per_s: float
    burst: int


@dataclass(frozen=True)
class StageSettings:
    name: str = "$default"
    access_log_group: str | None = None
    access_log_format: str | None = None
    default_throttle: Throttle | None = None
    route_throttles: Mapping[str, Throttle] = field(default_factory=dict)

    @classmethod
    def from_stage(cls, stage: Mapping[str, Any]) -> StageSettings:
        """From an apigatewayv2 get_stages item."""
        logs = stage.get("AccessLogSettings") or {}
        arn = str(logs.get("DestinationArn") or "")
        group = arn.split(":log-group:", 1)[1].removesuffix(":*") if ":log-group:" in arn else None
        return cls(
            name=str(stage.get("StageName") or "$default"),
            access_log_group=group,
            access_log_format=logs.get("Format") or None,
            default_throttle=_throttle(stage.get("DefaultRouteSettings")),
            route_throttles={
                key: t
                for key, settings in (stage.get("RouteSettings") or {}).items()
                if (t := _throttle(settings)) is not None
            },
        )

    def throttle_for(self, route_key: str) -> Throttle | None:
        return self.route_throttles.get(route_key, self.default_throttle)


def _throttle(settings: Mapping[str, Any] | None) -> Throttle | None:
    if not settings:
        return None
    rate, burst = settings.get("ThrottlingRateLimit"), settings.get("ThrottlingBurstLimit")
    if rate is None and burst is None:
        return None
    return Throttle(
        float(rate if rate is not None else burst), int(burst if burst is not None else rate)
    )


def format_access_log(template: str, context: Mapping[str, Any]) -> str:
    """The stage's format with `$context.name` replaced; unknown or empty values become "-"."""

    def value(match: re.Match[str]) -> str:
        found = context.get(match.group(1))
        return "-" if found is None or found == "" else str(found)

    return _CONTEXT_VAR.sub(value, template)


def request_time(epoch_s: float) -> str:
    return datetime.fromtimestamp(epoch_s, UTC).strftime("%d/%b/%Y:%H:%M:%S +0000")


class Throttler:
    """One token bucket per route key: `burst` tokens, refilled at `rate_per_s`."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._buckets: dict[str, tuple[float, float]] = {}  # route -> (tokens, last refill)

    def allow(self, route_key: str, throttle: Throttle | None) -> bool:
        if throttle is None:
            return True
        now = time.monotonic()
        with self._lock:
            tokens, last = self._buckets.get(route_key, (float(throttle.burst), now))
            tokens = min(float(throttle.burst), tokens + (now - last) * throttle.rate_per_s)
            allowed = tokens >= 1.0
            self._buckets[route_key] = (tokens - 1.0 if allowed else tokens, now)
            return allowed
