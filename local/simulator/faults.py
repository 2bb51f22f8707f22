"""Faults the simulator can be told to inject, per provider, for a number of requests."""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass

PROVIDERS = ("openai", "bfl", "stability", "recraft", "google", "bedrock")
DROP_AFTER_ACCEPT = "drop-after-accept"
MODES = (
    "401",
    "429",
    "500",
    "moderation",
    "malformed",
    "block200",
    "hang",
    "latency",
    "revoked",
    DROP_AFTER_ACCEPT,
    "echo_key",  # a 400 whose message echoes the request's credentials in several encodings
)
ANY = "*"
HANG_BOUND = 60.0  # a hang never lasts longer than this, so no test can wedge forever


@dataclass
class Fault:
    mode: str
    count: int | None = None  # requests left to affect; None means until cleared
    retry_after: float | None = None
    latency: float | None = None

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


class FaultBook:
    """Thread-safe: the server's handler threads take faults while a test sets them."""

    def __init__(self) -> None:
        self._faults: dict[str, Fault] = {}
        self._lock = threading.Lock()

    def set(
        self,
        provider: str,
        mode: str,
        count: int | None = None,
        retry_after: float | None = None,
        latency: float | None = None,
    ) -> Fault:
        fault = validated(provider, mode, count, retry_after, latency)
        with self._lock:
            self._faults[provider] = fault
        return fault

    def take(self, provider: str) -> Fault | None:
        """The fault for this request (the provider's own, else "*"), counting it down."""
        with self._lock:
            key = provider if provider in self._faults else ANY
            fault = self._faults.get(key)
            if fault is None:
                return None
            if fault.count is not None:
                fault.count -= 1
                if fault.count <= 0:
                    del self._faults[key]
            return Fault(fault.mode, fault.count, fault.retry_after, fault.latency)

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def snapshot(self) -> dict[str, dict[str, object]]:
        with self._lock:
            return {provider: fault.to_dict() for provider, fault in self._faults.items()}


def validated(
    provider: str,
    mode: str,
    count: int | None,
    retry_after: float | None,
    latency: float | None,
) -> Fault:
    if provider not in (*PROVIDERS, ANY):
        raise ValueError(f"provider must be one of {', '.join((*PROVIDERS, ANY))}")
    mode = str(mode)
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}")
    if count is not None and (not isinstance(count, int) or isinstance(count, bool) or count < 1):
        raise ValueError("count must be a positive integer, or absent for 'until cleared'")
    for name, value in (("retry_after", retry_after), ("latency", latency)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
            raise ValueError(f"{name} must be a number of seconds")
        if value is not None and not 0 <= value <= HANG_BOUND:
            raise ValueError(f"{name} must be between 0 and {HANG_BOUND:g} seconds")
    if mode == "latency" and latency is None:
        raise ValueError("mode 'latency' needs latency (seconds)")
    return Fault(mode, count, retry_after, latency)
