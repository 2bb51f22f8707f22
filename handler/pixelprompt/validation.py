"""Request-body validation for /generate and /enhance: types and ranges, with sentences."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from pixelprompt import blocklist
from pixelprompt.errors import BadRequest

MAX_PROMPT_CHARS = 1000


@dataclass(frozen=True)
class GenerateInput:
    prompt: str
    steps: int | None
    guidance: float | None
    control: float | None

    def parameters(self) -> dict[str, Any]:
        values = {"steps": self.steps, "guidance": self.guidance, "control": self.control}
        return {k: v for k, v in values.items() if v is not None}


def prompt(body: dict[str, Any]) -> str:
    value = body.get("prompt")
    if value is None:
        raise BadRequest("The prompt is missing.", code="MISSING_PROMPT")
    if not isinstance(value, str):
        raise BadRequest("The prompt must be a string.", code="INVALID_PROMPT")
    value = value.strip()
    if not value:
        raise BadRequest("The prompt is empty.", code="MISSING_PROMPT")
    if len(value) > MAX_PROMPT_CHARS:
        raise BadRequest(
            f"The prompt is {len(value)} characters long; the limit is {MAX_PROMPT_CHARS}.",
            code="PROMPT_TOO_LONG",
        )
    if "\x00" in value or not _is_utf8(value):
        raise BadRequest("The prompt contains characters that are not text.", code="INVALID_PROMPT")
    reason = blocklist.check(value)
    if reason:
        raise BadRequest(reason, code="CONTENT_BLOCKED")
    return value


def _is_utf8(text: str) -> bool:
    """False for lone surrogates ("\\ud800" in JSON), which no provider or S3 key accepts."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _number(body: dict[str, Any], name: str, low: float, high: float) -> float | None:
    value = body.get(name)
    if value is None:
        return None
    # bool is an int subclass: `true` must not pass as 1.
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise BadRequest(f"{name} must be a number.", code="INVALID_PARAMETER")
    # Compare before converting: a 400-digit int overflows float().
    if (isinstance(value, float) and not math.isfinite(value)) or not low <= value <= high:
        raise BadRequest(f"{name} must be between {low:g} and {high:g}.", code="INVALID_PARAMETER")
    return float(value)


def _integer(body: dict[str, Any], name: str, low: int, high: int) -> int | None:
    value = body.get(name)
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # JSON clients often send 30.0
    if isinstance(value, bool) or not isinstance(value, int):
        raise BadRequest(f"{name} must be a whole number.", code="INVALID_PARAMETER")
    if not low <= value <= high:
        raise BadRequest(f"{name} must be between {low} and {high}.", code="INVALID_PARAMETER")
    return value


def generate_input(body: dict[str, Any]) -> GenerateInput:
    return GenerateInput(
        prompt=prompt(body),
        steps=_integer(body, "steps", 1, 150),
        guidance=_number(body, "guidance", 0, 30),
        control=_number(body, "control", 0, 10),
    )
