"""Request-body validation for /generate and /enhance: types and ranges, with sentences."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from pixelprompt import blocklist
from pixelprompt.errors import BadRequest
from pixelprompt.providers.shapes import ASPECT_RATIOS, MAX_SEED

MAX_PROMPT_CHARS = 1000


@dataclass(frozen=True)
class GenerateInput:
    prompt: str
    steps: int | None
    guidance: float | None
    control: float | None
    aspect_ratio: str | None = None
    seed: int | None = None
    models: tuple[int, ...] | None = None  # slot indices; None = every configured model

    def parameters(self) -> dict[str, Any]:
        values = {
            "steps": self.steps,
            "guidance": self.guidance,
            "control": self.control,
            "aspectRatio": self.aspect_ratio,
            "seed": self.seed,
        }
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


def aspect_ratio(body: dict[str, Any]) -> str | None:
    value = body.get("aspectRatio")
    if value is None:
        return None
    if not isinstance(value, str) or value not in ASPECT_RATIOS:
        raise BadRequest(
            f"aspectRatio must be one of {', '.join(ASPECT_RATIOS)}.", code="INVALID_PARAMETER"
        )
    return value


def slot_indices(value: Any, configured: set[int], name: str = "models") -> tuple[int, ...]:
    """A non-empty list of distinct configured slot indices, in the order given."""
    if not isinstance(value, list) or not value:
        raise BadRequest(
            f"{name} must be a non-empty list of model slot numbers.", code="INVALID_MODELS"
        )
    seen: list[int] = []
    for item in value:
        if isinstance(item, bool) or not isinstance(item, int):
            raise BadRequest(f"{name} must hold whole slot numbers.", code="INVALID_MODELS")
        if item not in configured:
            slots = ", ".join(str(i) for i in sorted(configured))
            raise BadRequest(
                f"There is no model in slot {item}; the configured slots are {slots}.",
                code="INVALID_MODELS",
            )
        if item in seen:
            raise BadRequest(f"Slot {item} is listed twice in {name}.", code="INVALID_MODELS")
        seen.append(item)
    return tuple(seen)


def generate_input(body: dict[str, Any], configured: set[int] | None = None) -> GenerateInput:
    """The /generate body; `configured` are the slot indices `models` may name."""
    models = body.get("models")
    return GenerateInput(
        prompt=prompt(body),
        steps=_integer(body, "steps", 1, 150),
        guidance=_number(body, "guidance", 0, 30),
        control=_number(body, "control", 0, 10),
        aspect_ratio=aspect_ratio(body),
        seed=_integer(body, "seed", 0, MAX_SEED),
        models=None if models is None else slot_indices(models, configured or set()),
    )
