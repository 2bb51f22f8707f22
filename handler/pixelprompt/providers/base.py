"""The contract between the job worker and the provider adapters.

The worker only ever sees these types: a resolved `ModelSpec`, a `GenerationRequest`, and
either a `GeneratedImage` or a `ProviderError` whose message a person can read.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ModelSpec:
    """A configured model name resolved to the provider that serves it."""

    provider: str  # "openai" | "bfl" | "stability" | "recraft" | "google" | "bedrock"
    model_id: str  # the provider's own model id, e.g. "gpt-image-2", "flux-pro-1.1"


@dataclass(frozen=True)
class GenerationRequest:
    prompt: str
    steps: int | None = None
    guidance: float | None = None
    control: float | None = None
    aspect_ratio: str | None = None  # one of shapes.ASPECT_RATIOS; None means 1:1
    seed: int | None = None


@dataclass(frozen=True)
class GeneratedImage:
    data: bytes  # raw image bytes as the provider sent them (decoded from base64 if need be)
    content_type: str  # e.g. "image/png"
    seed: int | None = None  # the seed the provider says it used, when it says


class ProviderError(Exception):
    """A per-model failure. `message` is shown to the user as that model's error."""

    # Codes the worker and the UI may rely on.
    UNKNOWN_MODEL = "UNKNOWN_MODEL"
    MISSING_KEY = "MISSING_KEY"
    AUTH = "AUTH"
    MODERATED = "MODERATED"
    RATE_LIMITED = "RATE_LIMITED"
    TIMEOUT = "TIMEOUT"
    UPSTREAM = "UPSTREAM"
    BAD_RESPONSE = "BAD_RESPONSE"
    NO_CHAT = "NO_CHAT"

    def __init__(
        self,
        message: str,
        *,
        code: str = "UPSTREAM",
        retryable: bool = False,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.retryable = retryable
        self.retry_after = retry_after
