"""Every provider's adapter against the simulator: success, refusals, retries, deadlines."""

from __future__ import annotations

import time

import pytest
from pixelprompt.providers import GenerationRequest, ProviderError, generate, transport

from local.simulator import ProviderSimulator
from tests.providers.helpers import (
    CASES,
    HTTP_PROVIDERS,
    KEY_LABEL,
    PROVIDER_IDS,
    SECRET,
    calls,
    decoded,
    recorded_timeouts,
    recorded_waits,
    run,
)


@pytest.mark.parametrize("provider", PROVIDER_IDS)
def test_success_returns_the_decodable_image(sim: ProviderSimulator, provider: str) -> None:
    case = CASES[provider]
    image = run(case)
    assert image.content_type == case.content_type
    assert decoded(image).size == (512, 512)
    assert calls(sim.requests, case.path) == 1


@pytest.mark.parametrize("provider", PROVIDER_IDS)
def test_refused_key_is_an_auth_error_that_never_shows_the_key(
    sim: ProviderSimulator, provider: str
) -> None:
    case = CASES[provider]
    sim.set_fault(provider, "401")
    with pytest.raises(ProviderError) as caught:
        run(case)
    assert caught.value.code == ProviderError.AUTH
    assert case.name in caught.value.message
    assert SECRET not in caught.value.message and SECRET not in repr(caught.value.args)
    if provider != "bedrock":  # Bedrock uses the role, so the sentence names the role instead
        assert f"check {KEY_LABEL}" in caught.value.message
    assert calls(sim.requests, case.path) == 1  # a refusal is never retried


@pytest.mark.parametrize("provider", HTTP_PROVIDERS)
def test_the_key_invalid_is_refused_as_the_provider_would(
    sim: ProviderSimulator, provider: str
) -> None:
    case = CASES[provider]
    with pytest.raises(ProviderError) as caught:
        generate(case.spec, "invalid", GenerationRequest("fox"), time.monotonic() + 5)
    assert caught.value.code == ProviderError.AUTH
    assert "refused the API key" in caught.value.message


@pytest.mark.parametrize("provider", HTTP_PROVIDERS)
def test_429_is_retried_after_the_delay_the_provider_asked_for(
    sim: ProviderSimulator, provider: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 0.6 s is more than the first backoff can be (0.5 s), so waiting it proves Retry-After
    # (or Gemini's RetryInfo) was honoured.
    case = CASES[provider]
    sim.set_fault(provider, "429", count=1, retry_after=0.6)
    waits = recorded_waits(monkeypatch)
    image = run(case)
    assert waits == [0.6]
    assert image.content_type == case.content_type
    assert calls(sim.requests, case.path) == 2


def test_bedrock_throttling_is_retried_then_succeeds(sim: ProviderSimulator) -> None:
    case = CASES["bedrock"]
    sim.set_fault("bedrock", "429", count=1)
    assert run(case).content_type == "image/png"
    assert calls(sim.requests, case.path) == 2


@pytest.mark.parametrize("provider", PROVIDER_IDS)
def test_persistent_429_gives_up_after_four_attempts(
    sim: ProviderSimulator, provider: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(transport, "BACKOFF_BASE", 0.01)  # Bedrock's own backoff, kept short
    case = CASES[provider]
    sim.set_fault(provider, "429", retry_after=0.05)
    with pytest.raises(ProviderError) as caught:
        run(case)
    assert caught.value.code == ProviderError.RATE_LIMITED
    assert caught.value.message == f"rate limited by {case.name} after 4 attempts"
    assert calls(sim.requests, case.path) == 4


@pytest.mark.parametrize("provider", HTTP_PROVIDERS)
def test_retry_after_beyond_the_deadline_fails_at_once(
    sim: ProviderSimulator, provider: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    case = CASES[provider]
    sim.set_fault(provider, "429", retry_after=30)
    waits = recorded_waits(monkeypatch)
    with pytest.raises(ProviderError) as caught:
        run(case, seconds=5)
    assert waits == []  # not the 30 s it asked for, nor any part of it
    assert caught.value.code == ProviderError.RATE_LIMITED
    assert "past this model's time limit" in caught.value.message


@pytest.mark.parametrize("provider", PROVIDER_IDS)
def test_moderation_is_reported_as_moderated(sim: ProviderSimulator, provider: str) -> None:
    case = CASES[provider]
    sim.set_fault(provider, "moderation")
    with pytest.raises(ProviderError) as caught:
        run(case)
    assert caught.value.code == ProviderError.MODERATED
    assert caught.value.message.startswith("moderated: ")
    assert calls(sim.requests, case.path) == 1


@pytest.mark.parametrize("provider", PROVIDER_IDS)
def test_a_200_that_holds_a_block_is_an_error(sim: ProviderSimulator, provider: str) -> None:
    case = CASES[provider]
    sim.set_fault(provider, "block200")
    with pytest.raises(ProviderError) as caught:
        run(case)
    assert caught.value.code == case.block_code
    assert case.name.split()[0] in caught.value.message


@pytest.mark.parametrize("provider", PROVIDER_IDS)
def test_a_body_that_is_not_an_image_is_a_bad_response(
    sim: ProviderSimulator, provider: str
) -> None:
    case = CASES[provider]
    sim.set_fault(provider, "malformed")
    with pytest.raises(ProviderError) as caught:
        run(case)
    assert caught.value.code == ProviderError.BAD_RESPONSE
    assert caught.value.message == f"{case.name} returned a body that is not an image"


@pytest.mark.parametrize("provider", PROVIDER_IDS)
def test_a_hanging_provider_times_out_at_the_deadline(
    sim: ProviderSimulator, provider: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    case = CASES[provider]
    sim.set_fault(provider, "hang", latency=5)
    timeouts = recorded_timeouts(monkeypatch)
    with pytest.raises(ProviderError) as caught:
        run(case, seconds=0.6)
    assert caught.value.code == ProviderError.TIMEOUT
    assert "timed out after" in caught.value.message
    # every request the HTTP transport sent was bounded by the deadline, never the 5 s hang
    # (Bedrock goes through botocore, whose read timeout comes from the same deadline)
    assert all(read <= 0.6 for _, read in timeouts), timeouts


@pytest.mark.parametrize("provider", HTTP_PROVIDERS)
def test_a_missing_key_fails_before_any_request(sim: ProviderSimulator, provider: str) -> None:
    case = CASES[provider]
    with pytest.raises(ProviderError) as caught:
        generate(
            case.spec, " ", GenerationRequest("fox"), time.monotonic() + 5, key_label="Model2Key"
        )
    assert caught.value.code == ProviderError.MISSING_KEY
    assert "Model2Key" in caught.value.message
    assert sim.requests == []


def test_a_deadline_already_passed_sends_nothing(sim: ProviderSimulator) -> None:
    case = CASES["openai"]
    with pytest.raises(ProviderError) as caught:
        generate(case.spec, SECRET, GenerationRequest("fox"), time.monotonic() - 1)
    assert caught.value.code == ProviderError.TIMEOUT
    assert sim.requests == []
