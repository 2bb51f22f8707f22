"""A provider's "no such model" answer becomes a sentence that names what to use instead."""

from __future__ import annotations

import time

import pytest
from pixelprompt.providers import GenerationRequest, ModelSpec, ProviderError, generate
from pixelprompt.providers.missing import explain_missing

from local.simulator import ProviderSimulator


def test_a_shut_down_model_names_the_vendor_date_and_replacement() -> None:
    answer = ProviderError("Amazon Bedrock rejected the request (ResourceNotFoundException): "
                           "This model version has reached the end of its life.")  # fmt: skip
    explained = explain_missing(ModelSpec("bedrock", "amazon.nova-canvas-v1:0"), answer)
    assert explained.code == ProviderError.UNKNOWN_MODEL
    assert explained.message == (
        "Amazon Bedrock shut amazon.nova-canvas-v1:0 down on 2026-09-30; "
        "use bedrock/stability.stable-image-core-v1:1"
    )


def test_a_legacy_model_the_vendor_no_longer_serves_names_its_replacement() -> None:
    # gpt-4.1-mini is deprecated (shutdown 2027-01-14): a vendor refusing it before then.
    answer = ProviderError(
        "OpenAI does not know this model or endpoint (404)", code="UNKNOWN_MODEL"
    )
    explained = explain_missing(ModelSpec("openai", "gpt-4.1-mini"), answer)
    assert explained.message.startswith("OpenAI no longer serves gpt-4.1-mini (")
    assert explained.message.endswith("; use openai/gpt-6-luna")


@pytest.mark.parametrize("code", ["RATE_LIMITED", "MODERATED", "AUTH"])
def test_other_failures_are_left_as_they_are(code: str) -> None:
    answer = ProviderError("something else", code=code)
    assert explain_missing(ModelSpec("openai", "gpt-image-2"), answer) is answer


def test_bedrock_refusing_an_unknown_id_is_explained_through_the_real_adapter(
    sim: ProviderSimulator,
) -> None:
    # The simulator answers an id Bedrock does not know with ValidationException.
    with pytest.raises(ProviderError) as caught:
        generate(ModelSpec("bedrock", "acme.painter-v9:0"), "", GenerationRequest("a fox"),
                 time.monotonic() + 10)  # fmt: skip
    assert caught.value.code == ProviderError.UNKNOWN_MODEL
    assert caught.value.message.startswith("Amazon Bedrock has no model acme.painter-v9:0 (")
