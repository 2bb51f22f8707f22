"""Shared table of the six providers as the adapter tests drive them."""

from __future__ import annotations

import io
import time
from dataclasses import dataclass
from typing import Any

import pytest
from PIL import Image
from pixelprompt.providers import GeneratedImage, GenerationRequest, ModelSpec, generate, transport

SECRET = "sk-test-SECRET-0123456789"
KEY_LABEL = "Model3Key"


@dataclass(frozen=True)
class Case:
    spec: ModelSpec
    name: str  # the provider's name in error sentences
    content_type: str
    block_code: str  # what a 200 holding a block becomes
    path: str  # the generation request's path on the simulator

    @property
    def key(self) -> str:
        return "" if self.spec.provider == "bedrock" else SECRET


CASES = {
    "openai": Case(
        ModelSpec("openai", "gpt-image-2"),
        "OpenAI",
        "image/png",
        "BAD_RESPONSE",
        "/openai/v1/images/generations",
    ),
    "bfl": Case(
        ModelSpec("bfl", "flux-pro-1.1"), "BFL", "image/jpeg", "MODERATED", "/bfl/v1/flux-pro-1.1"
    ),
    "stability": Case(
        ModelSpec("stability", "sd3.5-large"),
        "Stability AI",
        "image/png",
        "MODERATED",
        "/stability/v2beta/stable-image/generate/sd3",
    ),
    "recraft": Case(
        ModelSpec("recraft", "recraftv3"),
        "Recraft",
        "image/png",
        "BAD_RESPONSE",
        "/recraft/v1/images/generations",
    ),
    "google": Case(
        ModelSpec("google", "gemini-3.1-flash-image"),
        "Google Gemini",
        "image/png",
        "MODERATED",
        "/gemini/v1beta/models/gemini-3.1-flash-image:generateContent",
    ),
    "bedrock": Case(
        ModelSpec("bedrock", "stability.sd3-5-large-v1:0"),
        "Amazon Bedrock",
        "image/png",
        "MODERATED",
        "/model/stability.sd3-5-large-v1:0/invoke",
    ),
}
PROVIDER_IDS = list(CASES)
HTTP_PROVIDERS = [p for p in CASES if p != "bedrock"]


def run(case: Case, seconds: float = 10.0, prompt: str = "a red fox, watercolor") -> GeneratedImage:
    return generate(
        case.spec,
        case.key,
        GenerationRequest(prompt=prompt),
        time.monotonic() + seconds,
        key_label=KEY_LABEL,
    )


def calls(requests: list[tuple[str, str, str]], path: str) -> int:
    return sum(1 for _, logged, _ in requests if logged == path)


def decoded(image: GeneratedImage) -> Image.Image:
    picture = Image.open(io.BytesIO(image.data))
    picture.load()
    return picture


def recorded_waits(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The transport's waits between attempts, recorded instead of slept."""
    waits: list[float] = []
    monkeypatch.setattr(transport, "sleep", waits.append)
    return waits


def recorded_timeouts(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """The (connect, read) timeouts of every request the transport sends."""
    timeouts: list[Any] = []
    real = transport.session

    def spying() -> Any:
        session = real()
        send = session.request

        def request(*args: Any, **kwargs: Any) -> Any:
            timeouts.append(kwargs.get("timeout"))
            return send(*args, **kwargs)

        monkeypatch.setattr(session, "request", request)
        return session

    monkeypatch.setattr(transport, "session", spying)
    return timeouts
