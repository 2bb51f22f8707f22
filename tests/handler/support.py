"""Test doubles and helpers shared by the handler tests (imported as tests.handler.support)."""

from __future__ import annotations

import io
import json
import threading
import time
from pathlib import Path
from typing import Any

from PIL import Image
from pixelprompt.backends import Providers
from pixelprompt.providers import shapes
from pixelprompt.providers.base import GeneratedImage, GenerationRequest, ModelSpec, ProviderError

EVENTS = Path(__file__).resolve().parents[1] / "events"
BUCKET = "pixelprompt-test-bucket"
FUNCTION = "pixelprompt-test"


def png_bytes(color: str = "red", size: tuple[int, int] = (8, 8)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, color).save(buf, "PNG")
    return buf.getvalue()


def _asked_size(spec: ModelSpec, request: GenerationRequest) -> tuple[int, int]:
    """A small image in the shape the provider was sent (as a real provider would honour it)."""
    sent = shapes.shape(spec.provider, spec.model_id, request.aspect_ratio, request.seed).sent
    asked = str(sent.get("size") or sent.get("aspectRatio") or "1:1")
    width, height = (int(n) for n in asked.replace(":", "x").split("x"))
    scale = 64 / max(width, height)  # keep test images tiny
    return max(1, round(width * scale)), max(1, round(height * scale))


class FakeProviders:
    """Model names drive behaviour: "fake/ok", "fake/moderated", "fake/text", "fake/slow", ..."""

    def __init__(self) -> None:
        self.generate_calls: list[tuple[str, GenerationRequest]] = []
        self.barrier: threading.Barrier | None = None
        self.deadlines: list[float] = []
        self.enhanced = "a cat, photorealistic, soft morning light"
        self.enhance_error: ProviderError | None = None
        self.enhance_calls: list[tuple[str, str, str, str]] = []
        self.fail_once: set[str] = set()  # model ids whose first call fails
        self.hold: threading.Event | None = None  # "held…" models wait for it

    def resolve_model(self, name: str) -> ModelSpec:
        if not name.startswith("fake/"):
            raise ProviderError(f'No provider serves "{name}".', code=ProviderError.UNKNOWN_MODEL)
        model = name.split("/", 1)[1]
        if ":" in model:  # "fake/openai:gpt-image-2" plays a real provider's shapes
            provider, model_id = model.split(":", 1)
            return ModelSpec(provider=provider, model_id=model_id)
        return ModelSpec(provider="fake", model_id=model)

    def generate(
        self,
        spec: ModelSpec,
        api_key: str,
        request: GenerationRequest,
        deadline: float,
        *,
        key_label: str = "",
    ) -> GeneratedImage:
        self.generate_calls.append((spec.model_id, request))
        self.deadlines.append(deadline)
        if self.barrier is not None:
            self.barrier.wait(timeout=10)  # every model answers at the same moment
        if spec.model_id.startswith("moderated"):
            raise ProviderError("The provider refused the prompt (moderated).", code="MODERATED")
        if spec.model_id.startswith("text"):
            return GeneratedImage(b"<html>not an image</html>", "image/png")
        if spec.model_id.startswith("slow"):
            time.sleep(max(0.0, deadline - time.monotonic()) + 0.5)
        if spec.model_id.startswith("crash"):
            raise RuntimeError("adapter bug")
        if self.fail_once and spec.model_id in self.fail_once:
            self.fail_once.discard(spec.model_id)
            raise ProviderError("The provider had a hiccup (HTTP 503).", code="UPSTREAM")
        if self.hold is not None and spec.model_id.startswith("held"):
            self.hold.wait(timeout=10)  # in flight until the test lets it answer
        width, height = _asked_size(spec, request)
        return GeneratedImage(png_bytes(size=(width, height)), "image/png", seed=request.seed)

    def enhance(
        self, spec: ModelSpec, api_key: str, prompt: str, deadline: float, *, key_label: str = ""
    ) -> str:
        self.enhance_calls.append((spec.model_id, api_key, prompt, key_label))
        if self.enhance_error:
            raise self.enhance_error
        return self.enhanced

    def as_providers(self) -> Providers:
        return Providers(self.resolve_model, self.generate, self.enhance)


class Context:
    """The bits of the Lambda context object the handler uses."""

    def __init__(self, remaining_ms: int = 900_000) -> None:
        self.function_name = FUNCTION
        self.aws_request_id = "11111111-2222-3333-4444-555555555555"
        self._end = time.monotonic() + remaining_ms / 1000

    def get_remaining_time_in_millis(self) -> int:
        return int((self._end - time.monotonic()) * 1000)


SECRET_NAME = "pixelprompt-test-secret"
SALT = "5a17" * 16


def model_env(names: list[str]) -> dict[str, str]:
    """Names only: each slot's key is in the test secret (`secret_string`), as `key-<n>`."""
    env = {"MODEL_COUNT": str(len(names))}
    for n, name in enumerate(names, start=1):
        env[f"MODEL_{n}_NAME"] = name
    return env


def secret_string(keys: dict[int, str] | None = None, salt: str = SALT) -> str:
    """The stack secret's JSON: `key-<n>` in every slot unless `keys` says otherwise."""
    every = {n: f"key-{n}" for n in range(1, 21)} | (keys or {})
    return json.dumps(
        {"format": 1, "keys": {str(n): k for n, k in every.items()}, "rateLimitSalt": salt}
    )


def load_event(name: str) -> dict[str, Any]:
    return json.loads((EVENTS / name).read_text())


def body_of(response: dict[str, Any]) -> Any:
    return json.loads(response["body"]) if response["body"] else None
