"""The three provider functions the API and the worker call, gathered so tests can swap them.

The real ones live in pixelprompt.providers (another module's job); they are imported on first
use, which also keeps `requests` out of the cold-start import of lambda_function.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from pixelprompt.providers.base import GeneratedImage, ModelSpec


@dataclass(frozen=True)
class Providers:
    resolve_model: Callable[[str], ModelSpec]
    # generate(spec, api_key, request, deadline, *, key_label) -> GeneratedImage
    generate: Callable[..., GeneratedImage]
    # enhance(spec, api_key, prompt, deadline, *, key_label) -> str
    enhance: Callable[..., str]


_override: Providers | None = None


def real() -> Providers:
    from pixelprompt import providers

    return Providers(providers.resolve_model, providers.generate, providers.enhance)


def current() -> Providers:
    return _override or real()


def use(fake: Providers | None) -> None:
    """Install fakes (tests); None restores the real adapters."""
    global _override
    _override = fake
