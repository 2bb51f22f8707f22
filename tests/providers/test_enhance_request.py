"""The chat request /enhance sends to OpenAI's current (reasoning) chat model equals the SDK's."""

from __future__ import annotations

import time
from collections.abc import Iterator

import openai
import pytest
from pixelprompt.providers import CHAT_MODELS, openai_api
from pixelprompt.providers.common import ENHANCE_INSTRUCTION

from local.simulator import ProviderSimulator
from tests.providers.capture import CaptureRelay
from tests.providers.test_sdk_oracle import same_call

SECRET = "sk-enhance-SECRET-0123456789"


@pytest.fixture
def relay(sim: ProviderSimulator, monkeypatch: pytest.MonkeyPatch) -> Iterator[CaptureRelay]:
    with CaptureRelay(sim.url) as capture:
        monkeypatch.setenv("OPENAI_BASE_URL", f"{capture.url}/openai/v1")
        yield capture


def test_the_reasoning_chat_model_is_asked_for_no_reasoning_and_no_temperature(
    relay: CaptureRelay,
) -> None:
    model = CHAT_MODELS["openai"]
    text = openai_api.enhance(model, SECRET, "a fox", time.monotonic() + 10, "Model1Key")
    assert text.startswith("a fox")
    client = openai.OpenAI(base_url=f"{relay.url}/openai/v1", api_key=SECRET, max_retries=0)
    client.chat.completions.create(
        model=model,
        messages=[
            {"role": "system", "content": ENHANCE_INSTRUCTION},
            {"role": "user", "content": "a fox"},
        ],
        max_completion_tokens=300,
        reasoning_effort="none",  # type: ignore[arg-type]
    )
    adapter, sdk = relay.take()
    same_call(adapter, sdk)
