"""/enhance through each provider's chat API, and the providers that have none."""

from __future__ import annotations

import time

import pytest
from pixelprompt.providers import ModelSpec, ProviderError, enhance

from local.simulator import ProviderSimulator
from tests.providers.helpers import SECRET

CHAT = {
    "openai": (ModelSpec("openai", "gpt-image-2"), "/openai/v1/chat/completions"),
    "google": (
        ModelSpec("google", "gemini-3.1-flash-image"),
        "/gemini/v1beta/models/gemini-3.6-flash:generateContent",
    ),
    "bedrock": (
        ModelSpec("bedrock", "stability.stable-image-core-v1:1"),
        "/model/amazon.nova-lite-v1:0/converse",
    ),
}


def _enhance(provider: str, prompt: str = "a lighthouse at night") -> str:
    spec, _ = CHAT[provider]
    key = "" if provider == "bedrock" else SECRET
    return enhance(spec, key, prompt, time.monotonic() + 5, key_label="Model1Key")


@pytest.mark.parametrize("provider", list(CHAT))
def test_enhance_builds_on_the_prompt_through_the_chat_model(
    sim: ProviderSimulator, provider: str
) -> None:
    enhanced = _enhance(provider)
    assert enhanced.startswith("a lighthouse at night, ")
    assert len(enhanced) > len("a lighthouse at night") + 20
    assert ((provider, CHAT[provider][1], "POST")) in sim.requests


@pytest.mark.parametrize("provider", list(CHAT))
def test_a_filtered_chat_answer_is_moderated(sim: ProviderSimulator, provider: str) -> None:
    sim.set_fault(provider, "block200")
    with pytest.raises(ProviderError) as caught:
        _enhance(provider)
    assert caught.value.code == ProviderError.MODERATED


@pytest.mark.parametrize("provider", list(CHAT))
def test_a_chat_answer_that_is_not_json_is_a_bad_response(
    sim: ProviderSimulator, provider: str
) -> None:
    sim.set_fault(provider, "malformed")
    with pytest.raises(ProviderError) as caught:
        _enhance(provider)
    # botocore reads an unparseable 200 as an empty answer, hence "no text" for Bedrock.
    assert caught.value.code == ProviderError.BAD_RESPONSE
    assert "malformed" in caught.value.message or "no text" in caught.value.message


@pytest.mark.parametrize("provider", ["openai", "google"])
def test_a_refused_key_on_enhance_names_the_key(sim: ProviderSimulator, provider: str) -> None:
    sim.set_fault(provider, "401")
    with pytest.raises(ProviderError) as caught:
        _enhance(provider)
    assert caught.value.code == ProviderError.AUTH
    assert "check Model1Key" in caught.value.message


@pytest.mark.parametrize(
    "spec",
    [ModelSpec("bfl", "flux-pro-1.1"), ModelSpec("stability", "ultra"), ModelSpec("recraft", "v3")],
)
def test_providers_without_a_chat_api_say_so(sim: ProviderSimulator, spec: ModelSpec) -> None:
    with pytest.raises(ProviderError) as caught:
        enhance(spec, SECRET, "a cat", time.monotonic() + 5)
    assert caught.value.code == ProviderError.NO_CHAT
    assert sim.requests == []
