"""Configured model name -> provider and model id, derived from the provider registry.

Pure Python on purpose: deploy.py imports it to validate parameters, and the Lambda imports it
on every cold start, so it must not pull in requests or boto3.

A name whose model the vendor has shut down never resolves silently: it is refused with the
vendor, the date and the replacement, so the parameter check (and, at run time, the model's
card) says what to change.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from . import registry
from .base import ModelSpec, ProviderError
from .registry import REGISTRY, SHUT_DOWN, Lifecycle, Provider

PROVIDERS = tuple(provider.id for provider in REGISTRY)
PROVIDER_ALIASES = {
    alias: provider.id for provider in REGISTRY for alias in (provider.id, *provider.aliases)
}
DISPLAY_NAMES = {provider.id: provider.display_name for provider in REGISTRY}
CHAT_MODELS = {provider.id: provider.chat_model for provider in REGISTRY if provider.chat_model}


@dataclass(frozen=True)
class Rule:
    """One friendly-name rule with the provider it belongs to."""

    keywords: tuple[str, ...]
    provider: str
    model_id: str


# Tried in order, the first rule whose keywords all match wins: providers whose rules name
# other vendors' models ("... (Bedrock)") first, then each provider's rules as it lists them.
FRIENDLY_RULES: tuple[Rule, ...] = tuple(
    Rule(rule.keywords, provider.id, rule.model_id)
    for provider in sorted(REGISTRY, key=lambda p: not p.rules_first)
    for rule in provider.rules
)


def _accepted_forms() -> str:
    ids = ", ".join(f"{p.id}/{p.default_model}" for p in REGISTRY[:3])
    names = ", ".join(f"'{name}'" for p in REGISTRY for name in p.known_names[:1])
    return (
        f"use 'provider/model-id' (providers: {', '.join(PROVIDERS)}; e.g. {ids}) or a known "
        f"name such as {names} or '... (Bedrock)'"
    )


ACCEPTED_FORMS = _accepted_forms()

_PROVIDER_FORM = re.compile(r"^([A-Za-z][A-Za-z0-9_-]*)/(\S.*)$")
# Model ids end up in URL paths: letters, digits and . _ : - only (no "..", no "/").
_MODEL_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_:-]*(?:\.[A-Za-z0-9_:-]+)*$")


def resolve_model(name: str, on: date | None = None) -> ModelSpec:
    """Resolve a configured ModelNName to the provider and model id that serve it.

    Raises ProviderError(UNKNOWN_MODEL) for names that are not recognised and for models the
    vendor has shut down (naming the replacement)."""
    text = (name or "").strip()
    if not text:
        raise ProviderError(f"No model name is configured: {ACCEPTED_FORMS}.", code="UNKNOWN_MODEL")
    explicit = _resolve_explicit(text)
    if explicit is not None:
        _refuse_if_shut_down(explicit, on, None)
        return explicit
    words = _words(text)
    for rule in FRIENDLY_RULES:
        if all(_has_keyword(words, keyword) for keyword in rule.keywords):
            spec = ModelSpec(provider=rule.provider, model_id=rule.model_id)
            _refuse_if_shut_down(spec, on, text)
            return spec
    raise ProviderError(
        f"The model name {text!r} is not recognised: {ACCEPTED_FORMS}.", code="UNKNOWN_MODEL"
    )


def lifecycle(spec: ModelSpec, on: date | None = None) -> Lifecycle:
    """What the registry's table says about this model today ("unknown" for ids it lacks)."""
    provider = registry.get(spec.provider)
    if provider is None:
        return Lifecycle(spec.model_id, "unknown")
    return provider.lifecycle(spec.model_id, on)


def shut_down_sentence(provider: Provider, state: Lifecycle) -> str:
    """E.g. "Google Gemini shut gemini-2.5-flash-image down on 2026-10-02; use google/…"."""
    when = f" on {state.since}" if state.since else ""
    sentence = f"{provider.display_name} shut {state.model_id} down{when}"
    if state.replacement:
        sentence += f"; use {state.replacement}"
    return sentence


def _refuse_if_shut_down(spec: ModelSpec, on: date | None, friendly: str | None) -> None:
    provider = registry.get(spec.provider)
    if provider is None:
        return
    state = provider.lifecycle(spec.model_id, on)
    if state.status != SHUT_DOWN:
        return
    sentence = shut_down_sentence(provider, state)
    if friendly is not None:
        sentence = f"{friendly!r} means {spec.provider}/{spec.model_id}: {sentence}"
    raise ProviderError(sentence, code=ProviderError.UNKNOWN_MODEL)


def _resolve_explicit(text: str) -> ModelSpec | None:
    match = _PROVIDER_FORM.match(text)
    if not match:
        return None
    provider = registry.by_alias(match.group(1))
    if provider is None:
        return None  # e.g. "Stable Diffusion 3.5/XL": let the friendly rules try it
    model_id = match.group(2).strip()
    if not _MODEL_ID.match(model_id):
        raise ProviderError(
            f"{model_id!r} is not a valid {provider.display_name} model id: "
            "use letters, digits and . _ : - only.",
            code="UNKNOWN_MODEL",
        )
    known = provider.model(model_id)
    return ModelSpec(provider=provider.id, model_id=known.id if known else model_id)


def _words(text: str) -> list[str]:
    """Lower-case words; dots inside version numbers are kept ("3.5"), other punctuation splits."""
    cleaned = re.sub(r"(?<!\d)\.|\.(?!\d)", " ", text.lower())
    return [word for word in re.split(r"[^a-z0-9.]+", cleaned) if word]


def _has_keyword(words: list[str], keyword: str) -> bool:
    # "sd3.5" must match the keyword "sd3", "v3" the keyword "3": compare prefixes and the
    # version part after a leading letter.
    for word in words:
        if word == keyword or word.lstrip("v") == keyword:
            return True
        if keyword.isalpha() and word.startswith(keyword) and len(keyword) >= 4:
            return True
        if keyword == "sd3" and word.startswith("sd3"):
            return True
    return False


def needs_key(provider: str) -> bool:
    """Bedrock uses the function's IAM role; every other provider needs the model's key."""
    found = registry.get(provider)
    return found.needs_key if found is not None else True


def chat_model(provider: str) -> str:
    """The chat model that /enhance uses for this provider, or a NO_CHAT error."""
    model = CHAT_MODELS.get(provider)
    if model is None:
        with_chat = [p.display_name for p in REGISTRY if p.chat_model]
        raise ProviderError(
            f"{display_name(provider)} has no chat API to enhance prompts with: point "
            f"PromptModelIndex at an {', '.join(with_chat[:-1])} or {with_chat[-1]} model.",
            code="NO_CHAT",
        )
    return model


def display_name(provider: str) -> str:
    return DISPLAY_NAMES.get(provider, provider)
