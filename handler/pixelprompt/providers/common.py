"""Small pieces the adapters share: base URLs, the enhancement instruction, moderation words."""

from __future__ import annotations

import os
from typing import Any

from .base import ProviderError

ENHANCE_INSTRUCTION = (
    "You rewrite prompts for text-to-image models. Answer with the improved prompt only: one "
    "paragraph of at most 900 characters that keeps the subject and intent of the original and "
    "adds concrete detail about composition, lighting, colour, materials and style. No preamble, "
    "no quotes, no lists."
)
ENHANCE_MAX_TOKENS = 300

_MODERATION_WORDS = (
    "moderat",
    "safety",
    "content_policy",
    "content policy",
    "content filter",
    "nsfw",
    "inappropriate",
)


def base_url(variable: str, default: str) -> str:
    """Read at call time, so tests and the local run can point adapters at the simulator."""
    return (os.environ.get(variable) or default).rstrip("/")


def mentions_moderation(text: str) -> bool:
    lowered = text.lower()
    return any(word in lowered for word in _MODERATION_WORDS)


def moderated(message: str) -> ProviderError:
    return ProviderError(f"moderated: {message}", code=ProviderError.MODERATED)


def clamp(value: float, low: float, high: float) -> float:
    return max(low, min(high, value))


def quiet_429(response: Any, who: Any, seconds: float) -> ProviderError | None:
    """A 429 without Retry-After: wait the time the provider documents instead of guessing."""
    if response.status_code == 429 and not response.headers.get("Retry-After"):
        return ProviderError(
            f"{who.name} rate limited (HTTP 429)",
            code=ProviderError.RATE_LIMITED,
            retryable=True,
            retry_after=seconds,
        )
    return None
