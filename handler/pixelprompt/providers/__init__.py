"""Provider adapters: resolve a configured model name, generate an image, enhance a prompt.

Kept light on purpose (imported on the Lambda's cold start, and deploy.py imports the catalog):
adapter modules, requests and boto3 are imported only when a call needs them.
"""

from __future__ import annotations

import importlib
import time
from types import ModuleType

from . import registry
from .base import GeneratedImage, GenerationRequest, ModelSpec, ProviderError
from .catalog import CHAT_MODELS, chat_model, display_name, needs_key, resolve_model
from .missing import explain_missing

__all__ = [
    "CHAT_MODELS",
    "GeneratedImage",
    "GenerationRequest",
    "ModelSpec",
    "ProviderError",
    "enhance",
    "generate",
    "needs_key",
    "resolve_model",
]

_MODULES = {provider.id: provider.adapter for provider in registry.REGISTRY}
DEFAULT_KEY_LABEL = "this model's key (its ModelNKey parameter)"


def generate(
    spec: ModelSpec,
    api_key: str,
    request: GenerationRequest,
    deadline: float,
    *,
    key_label: str = DEFAULT_KEY_LABEL,
) -> GeneratedImage:
    """One image for one model, before `deadline` (a time.monotonic() value), or ProviderError.

    `key_label` names the key in error messages, e.g. "Model3Key".
    """
    _check_call(spec, api_key, deadline, key_label)
    try:
        return _adapter(spec.provider).generate(spec, api_key, request, deadline, key_label)
    except ProviderError as exc:
        raise explain_missing(spec, exc) from None  # "no such model": say what to name instead


def enhance(
    spec: ModelSpec,
    api_key: str,
    prompt: str,
    deadline: float,
    *,
    key_label: str = DEFAULT_KEY_LABEL,
) -> str:
    """A richer version of `prompt` from the provider's chat model (see CHAT_MODELS)."""
    model = chat_model(spec.provider)  # NO_CHAT for providers without a chat API
    _check_call(spec, api_key, deadline, key_label)
    try:
        text = _adapter(spec.provider).enhance(model, api_key, prompt, deadline, key_label)
    except ProviderError as exc:
        raise explain_missing(ModelSpec(spec.provider, model), exc) from None
    return _clean(text, spec.provider)


def _check_call(spec: ModelSpec, api_key: str, deadline: float, key_label: str) -> None:
    if spec.provider not in _MODULES:
        raise ProviderError(
            f"No adapter for provider {spec.provider!r}", code=ProviderError.UNKNOWN_MODEL
        )
    if needs_key(spec.provider) and not (api_key or "").strip():
        raise ProviderError(
            f"No API key is configured for this {display_name(spec.provider)} model: "
            f"set {key_label}",
            code=ProviderError.MISSING_KEY,
        )
    if deadline <= time.monotonic():
        raise ProviderError("no time was left to call the provider", code=ProviderError.TIMEOUT)


def _adapter(provider: str) -> ModuleType:
    return importlib.import_module(f"{__name__}.{_MODULES[provider]}")


def _clean(text: str, provider: str) -> str:
    """Chat models like to wrap the answer in quotes or a label; keep just the prompt."""
    text = (text or "").strip()
    for prefix in ("Enhanced prompt:", "Prompt:"):
        if text.lower().startswith(prefix.lower()):
            text = text[len(prefix) :].strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        text = text[1:-1].strip()
    if not text:
        raise ProviderError(
            f"{display_name(provider)} returned an empty prompt", code=ProviderError.BAD_RESPONSE
        )
    return text
