"""A provider's "no such model" or "retired" answer, turned into what to name instead.

The adapters already turn a 404 into UNKNOWN_MODEL; some vendors say it in a 400 instead
(Bedrock's "The provided model identifier is invalid", an end-of-life notice). Either way the
card should say which model to use now, from the registry's lifecycle table.
"""

from __future__ import annotations

from . import registry
from .base import ModelSpec, ProviderError
from .catalog import shut_down_sentence
from .registry import LEGACY, SHUT_DOWN

# Lower-case phrases vendors use when the model itself is gone or unknown. Bedrock's are quoted
# in aws-samples/amazon-bedrock-ai-karaoke#21 ("This model version has reached the end of its
# life") and awslabs/llmeter#35 ("This Model is marked by provider as Legacy and you have not
# been actively using the model ...").
MISSING_PHRASES = (
    "model_not_found",
    "model identifier is invalid",
    "end of its life",
    "end of life",
    "is not found for api version",
    "does not exist",
    "no longer available",
    "marked by provider as legacy",
)


def looks_missing(error: ProviderError) -> bool:
    if error.code == ProviderError.UNKNOWN_MODEL:
        return True
    text = error.message.lower()
    return any(phrase in text for phrase in MISSING_PHRASES)


def explain_missing(spec: ModelSpec, error: ProviderError) -> ProviderError:
    """The error to show: `error` itself unless it says the model is missing."""
    provider = registry.get(spec.provider)
    if provider is None or not looks_missing(error):
        return error
    state = provider.lifecycle(spec.model_id)
    if state.status == SHUT_DOWN:
        message = shut_down_sentence(provider, state)
    elif state.status == LEGACY and state.replacement:
        message = (
            f"{provider.display_name} no longer serves {spec.model_id} ({error.message}); "
            f"use {state.replacement}"
        )
    else:
        message = (
            f"{provider.display_name} has no model {spec.model_id} ({error.message}): it may "
            "have been shut down or be unavailable to this account; name a current model"
        )
    return ProviderError(message, code=ProviderError.UNKNOWN_MODEL)
