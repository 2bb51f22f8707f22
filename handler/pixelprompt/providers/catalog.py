"""The one table of model names: configured name -> provider and current model id.

Pure Python on purpose: deploy.py imports it to validate parameters, and the Lambda imports it
on every cold start, so it must not pull in requests or boto3.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .base import ModelSpec, ProviderError

PROVIDERS = ("openai", "bfl", "stability", "recraft", "google", "bedrock")

# Spellings people use for the provider part of "provider/model-id".
PROVIDER_ALIASES = {
    "openai": "openai",
    "bfl": "bfl",
    "black-forest-labs": "bfl",
    "blackforestlabs": "bfl",
    "stability": "stability",
    "stabilityai": "stability",
    "stability-ai": "stability",
    "recraft": "recraft",
    "google": "google",
    "gemini": "google",
    "bedrock": "bedrock",
    "amazon-bedrock": "bedrock",
    "aws": "bedrock",
}

DISPLAY_NAMES = {
    "openai": "OpenAI",
    "bfl": "BFL",
    "stability": "Stability AI",
    "recraft": "Recraft",
    "google": "Google Gemini",
    "bedrock": "Amazon Bedrock",
}


@dataclass(frozen=True)
class Rule:
    """A friendly name matches when every keyword is one of its words (or a run of them)."""

    keywords: tuple[str, ...]
    provider: str
    model_id: str


# Ordered most specific first: the first rule whose keywords all match wins. Model ids change
# often; this table is the one place to update them.
FRIENDLY_RULES: tuple[Rule, ...] = (
    # Bedrock first, so "... (Bedrock)" never falls through to the direct provider API.
    Rule(("nova", "canvas"), "bedrock", "amazon.nova-canvas-v1:0"),
    Rule(("stable", "image", "ultra", "bedrock"), "bedrock", "stability.stable-image-ultra-v1:1"),
    Rule(("stable", "image", "core", "bedrock"), "bedrock", "stability.stable-image-core-v1:1"),
    Rule(("3.5", "bedrock"), "bedrock", "stability.sd3-5-large-v1:0"),
    Rule(("sd3", "bedrock"), "bedrock", "stability.sd3-5-large-v1:0"),
    Rule(("titan", "image"), "bedrock", "amazon.nova-canvas-v1:0"),  # Titan Image is retired.
    Rule(("bedrock",), "bedrock", "amazon.nova-canvas-v1:0"),
    # OpenAI. dall-e-2/3 were shut down in 2026; GPT Image is their replacement.
    Rule(("gpt", "image", "mini"), "openai", "gpt-image-1-mini"),
    Rule(("gpt", "image", "1.5"), "openai", "gpt-image-1.5"),
    Rule(("gpt", "image", "1"), "openai", "gpt-image-1"),
    Rule(("gpt", "image"), "openai", "gpt-image-2"),
    Rule(("dall", "e"), "openai", "gpt-image-2"),
    Rule(("dalle",), "openai", "gpt-image-2"),
    Rule(("openai",), "openai", "gpt-image-2"),
    # Black Forest Labs.
    Rule(("flux", "ultra"), "bfl", "flux-pro-1.1-ultra"),
    Rule(("flux", "kontext", "max"), "bfl", "flux-kontext-max"),
    Rule(("flux", "kontext"), "bfl", "flux-kontext-pro"),
    Rule(("flux", "2"), "bfl", "flux-2-pro"),
    Rule(("flux", "dev"), "bfl", "flux-dev"),
    Rule(("flux", "pro", "1.1"), "bfl", "flux-pro-1.1"),
    Rule(("flux",), "bfl", "flux-pro-1.1"),
    Rule(("black", "forest"), "bfl", "flux-pro-1.1"),
    # Stability AI (direct API).
    Rule(("stable", "image", "ultra"), "stability", "ultra"),
    Rule(("stable", "image", "core"), "stability", "core"),
    Rule(("stability", "ultra"), "stability", "ultra"),
    Rule(("stability", "core"), "stability", "core"),
    Rule(("3.5", "large", "turbo"), "stability", "sd3.5-large-turbo"),
    Rule(("3.5", "medium"), "stability", "sd3.5-medium"),
    Rule(("stable", "diffusion"), "stability", "sd3.5-large"),
    Rule(("sd3",), "stability", "sd3.5-large"),
    Rule(("sd3.5",), "stability", "sd3.5-large"),
    Rule(("stability",), "stability", "sd3.5-large"),
    # Recraft.
    Rule(("recraft", "v4"), "recraft", "recraftv4"),
    Rule(("recraft",), "recraft", "recraftv3"),
    # Google. Imagen was shut down on the Gemini API; Gemini image models replace it.
    Rule(("gemini", "3", "pro"), "google", "gemini-3-pro-image-preview"),
    Rule(("nano", "banana", "pro"), "google", "gemini-3-pro-image-preview"),
    Rule(("gemini", "3.1", "flash"), "google", "gemini-3.1-flash-image-preview"),
    Rule(("gemini",), "google", "gemini-2.5-flash-image"),
    Rule(("nano", "banana"), "google", "gemini-2.5-flash-image"),
    Rule(("imagen",), "google", "gemini-2.5-flash-image"),
)

# Ids that used to work as "provider/model-id" and no longer do: the replacement to use.
RETIRED_IDS = {
    ("openai", "dall-e-3"): "openai/gpt-image-2",
    ("openai", "dall-e-2"): "openai/gpt-image-1-mini",
    ("google", "imagen-3.0-generate-002"): "google/gemini-2.5-flash-image",
    ("google", "imagen-4.0-generate-001"): "google/gemini-2.5-flash-image",
    ("google", "imagen-4.0-ultra-generate-001"): "google/gemini-3-pro-image-preview",
    ("google", "imagen-4.0-fast-generate-001"): "google/gemini-2.5-flash-image",
    ("bedrock", "amazon.titan-image-generator-v1"): "bedrock/amazon.nova-canvas-v1:0",
    ("bedrock", "amazon.titan-image-generator-v2:0"): "bedrock/amazon.nova-canvas-v1:0",
}

# Chat models used by /enhance, per provider. Providers without a chat API are absent.
CHAT_MODELS = {
    "openai": "gpt-4.1-mini",
    "google": "gemini-2.5-flash",
    "bedrock": "amazon.nova-lite-v1:0",
}

ACCEPTED_FORMS = (
    "use 'provider/model-id' (providers: openai, bfl, stability, recraft, google, bedrock; "
    "e.g. openai/gpt-image-2, bfl/flux-pro-1.1, bedrock/amazon.nova-canvas-v1:0) or a known "
    "name such as 'GPT Image', 'Flux Pro 1.1 Ultra', 'Stable Diffusion 3.5 Large', "
    "'Recraft v3', 'Gemini 2.5 Flash Image', 'Nova Canvas' or '... (Bedrock)'"
)

_PROVIDER_FORM = re.compile(r"^([A-Za-z][A-Za-z0-9_-]*)/(\S.*)$")
# Model ids end up in URL paths: letters, digits and . _ : - only (no "..", no "/").
_MODEL_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_:-]*(?:\.[A-Za-z0-9_:-]+)*$")


def resolve_model(name: str) -> ModelSpec:
    """Resolve a configured ModelNName to the provider and model id that serve it."""
    text = (name or "").strip()
    if not text:
        raise ProviderError(f"No model name is configured: {ACCEPTED_FORMS}.", code="UNKNOWN_MODEL")
    explicit = _resolve_explicit(text)
    if explicit is not None:
        return explicit
    words = _words(text)
    for rule in FRIENDLY_RULES:
        if all(_has_keyword(words, keyword) for keyword in rule.keywords):
            return ModelSpec(provider=rule.provider, model_id=rule.model_id)
    raise ProviderError(
        f"The model name {text!r} is not recognised: {ACCEPTED_FORMS}.", code="UNKNOWN_MODEL"
    )


def _resolve_explicit(text: str) -> ModelSpec | None:
    match = _PROVIDER_FORM.match(text)
    if not match:
        return None
    provider = PROVIDER_ALIASES.get(match.group(1).lower())
    if provider is None:
        return None  # e.g. "Stable Diffusion 3.5/XL": let the friendly rules try it
    model_id = match.group(2).strip()
    if not _MODEL_ID.match(model_id):
        raise ProviderError(
            f"{model_id!r} is not a valid {DISPLAY_NAMES[provider]} model id: "
            "use letters, digits and . _ : - only.",
            code="UNKNOWN_MODEL",
        )
    replacement = RETIRED_IDS.get((provider, model_id.lower()))
    if replacement:
        raise ProviderError(
            f"{provider}/{model_id} has been retired by {DISPLAY_NAMES[provider]}: "
            f"use {replacement} instead.",
            code="UNKNOWN_MODEL",
        )
    return ModelSpec(provider=provider, model_id=model_id)


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
    return provider != "bedrock"


def chat_model(provider: str) -> str:
    """The chat model that /enhance uses for this provider, or a NO_CHAT error."""
    model = CHAT_MODELS.get(provider)
    if model is None:
        name = DISPLAY_NAMES.get(provider, provider)
        raise ProviderError(
            f"{name} has no chat API to enhance prompts with: point PromptModelIndex at an "
            "OpenAI, Google Gemini or Amazon Bedrock model.",
            code="NO_CHAT",
        )
    return model


def display_name(provider: str) -> str:
    return DISPLAY_NAMES.get(provider, provider)
