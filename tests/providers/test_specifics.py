"""What only one provider does: BFL's polling and parameters, Stability's form and raw-image
answers, OpenAI's quota error, Recraft's URL answers."""

from __future__ import annotations

import time

import pytest
import requests
from pixelprompt.providers import (
    GenerationRequest,
    ModelSpec,
    ProviderError,
    bedrock,
    bfl,
    gemini,
    generate,
    openai_api,
    recraft,
    stability,
)
from pixelprompt.providers.transport import Caller

from local.simulator import ProviderSimulator
from tests.providers.helpers import (
    CASES,
    SECRET,
    calls,
    decoded,
    recorded_timeouts,
    recorded_waits,
    run,
)


def test_bfl_polls_the_returned_url_until_ready(sim: ProviderSimulator) -> None:
    sim.latency = 0.3  # the task is Ready 0.3 s after it was submitted
    image = run(CASES["bfl"])
    assert image.content_type == "image/jpeg"
    assert calls(sim.requests, "/bfl/v1/get_result") >= 2
    assert any(path.startswith("/files/") for _, path, _ in sim.requests)


def test_bfl_task_slower_than_the_deadline_times_out(
    sim: ProviderSimulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    sim.latency = 10
    timeouts = recorded_timeouts(monkeypatch)
    with pytest.raises(ProviderError) as caught:
        run(CASES["bfl"], seconds=1.0)
    assert caught.value.code == ProviderError.TIMEOUT
    assert caught.value.message.startswith("BFL timed out after")
    assert timeouts and all(read <= 1.0 for _, read in timeouts), timeouts


def test_bfl_sends_steps_and_guidance_only_to_models_that_take_them() -> None:
    request = GenerationRequest("fox", steps=80, guidance=9.0)
    assert "steps" not in bfl.request_body("flux-pro-1.1", request)
    dev = bfl.request_body("flux-dev", request)
    assert (dev["steps"], dev["guidance"]) == (50, 5.0)  # clamped to BFL's ranges
    ultra = bfl.request_body("flux-pro-1.1-ultra", request)
    assert ultra["aspect_ratio"] == "1:1" and "width" not in ultra


def test_bfl_flux_dev_with_steps_is_accepted_by_the_simulator(sim: ProviderSimulator) -> None:
    spec = ModelSpec("bfl", "flux-dev")
    request = GenerationRequest("fox", steps=20, guidance=3.0)
    assert generate(spec, SECRET, request, time.monotonic() + 5).content_type == "image/jpeg"


def test_stability_form_has_cfg_scale_only_on_sd3_and_never_steps() -> None:
    request = GenerationRequest("fox", steps=30, guidance=7.5)
    sd3 = stability.form_fields("sd3.5-large", request)
    assert sd3["cfg_scale"] == "7.5" and sd3["model"] == "sd3.5-large" and "steps" not in sd3
    assert "cfg_scale" not in stability.form_fields("ultra", request)


def test_stability_raw_image_answer_is_read_with_its_finish_reason(
    sim: ProviderSimulator,
) -> None:
    sim.set_fault("stability", "block200")
    response = requests.post(
        f"{sim.url}/stability/v2beta/stable-image/generate/core",
        headers={"Authorization": f"Bearer {SECRET}", "Accept": "image/*"},
        files={"prompt": (None, "fox")},
        timeout=5,
    )
    with pytest.raises(ProviderError) as caught:
        stability._image(response, Caller("Stability AI"))
    assert caught.value.code == ProviderError.MODERATED
    assert "CONTENT_FILTERED" in caught.value.message


def test_stability_unknown_model_is_refused_before_sending(sim: ProviderSimulator) -> None:
    with pytest.raises(ProviderError) as caught:
        generate(
            ModelSpec("stability", "sdxl"), SECRET, GenerationRequest("x"), time.monotonic() + 5
        )
    assert caught.value.code == ProviderError.UNKNOWN_MODEL
    assert sim.requests == []


def _response(status: int, body: bytes) -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response._content = body
    response.headers["Content-Type"] = "application/json"
    return response


def test_openai_insufficient_quota_is_not_retried() -> None:
    body = (
        b'{"error": {"message": "You exceeded your current quota", "code": "insufficient_quota"}}'
    )
    error = openai_api.classify(_response(429, body), Caller("OpenAI"))
    assert error is not None and not error.retryable
    assert error.code == ProviderError.RATE_LIMITED and "quota" in error.message


def test_recraft_url_answers_are_downloaded(
    sim: ProviderSimulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = recraft.send

    def without_b64(*args: object, **kwargs: object) -> requests.Response:
        kwargs["json"] = {**kwargs["json"], "response_format": "url"}  # type: ignore[dict-item]
        return original(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(recraft, "send", without_b64)
    image = run(CASES["recraft"])
    assert decoded(image).format == "PNG"
    assert any(path.startswith("/files/") for _, path, _ in sim.requests)


@pytest.mark.parametrize(("module", "wait"), [(stability, 60.0), (bfl, 5.0)])
def test_a_429_without_retry_after_waits_the_documented_time(module: object, wait: float) -> None:
    quiet = module.classify(_response(429, b"{}"), Caller("X"))  # type: ignore[attr-defined]
    assert quiet is not None and quiet.retryable
    assert (quiet.code, quiet.retry_after) == (ProviderError.RATE_LIMITED, wait)
    told = _response(429, b"{}")
    told.headers["Retry-After"] = "2"
    said = module.classify(told, Caller("X"))  # type: ignore[attr-defined]
    # Stability leaves a told wait to the generic mapping; BFL's classifier reads it itself.
    assert said is None if module is stability else said.retry_after == 2.0


def test_a_documented_wait_past_the_deadline_gives_up_at_once(
    sim: ProviderSimulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The simulator always sends Retry-After; a 60 s Stability wait cannot fit 5 s either way.
    sim.set_fault("stability", "429", retry_after=60)
    waits = recorded_waits(monkeypatch)
    with pytest.raises(ProviderError) as caught:
        run(CASES["stability"], seconds=5)
    assert waits == []
    assert "retry after 60 s" in caught.value.message


def test_recraft_v4_prompts_keep_10000_characters_and_v3_1000() -> None:
    long = GenerationRequest("x" * 12_000)
    assert len(recraft.request_body("recraftv4_1", long)["prompt"]) == 10_000
    assert len(recraft.request_body("recraftv4_pro", long)["prompt"]) == 10_000
    assert len(recraft.request_body("recraftv3", long)["prompt"]) == 1000


@pytest.mark.parametrize(
    ("model", "size"),
    [
        ("recraftv4_1", "1024x1024"),
        ("recraftv4_1_pro", "2048x2048"),
        ("recraftv4_1_utility_pro", "2048x2048"),
        ("recraftv4_pro", "2048x2048"),
        ("recraftv3", "1024x1024"),
    ],
)
def test_recraft_sizes_are_ones_the_model_takes(
    sim: ProviderSimulator, model: str, size: str
) -> None:
    assert recraft.request_body(model, GenerationRequest("fox"))["size"] == size
    image = generate(ModelSpec("recraft", model), SECRET, GenerationRequest("fox " * 400), _soon())
    assert decoded(image).format == "PNG"


def test_the_simulator_refuses_a_1k_size_for_a_pro_model(sim: ProviderSimulator) -> None:
    response = requests.post(
        f"{sim.url}/recraft/v1/images/generations",
        headers={"Authorization": f"Bearer {SECRET}"},
        json={"model": "recraftv4_1_pro", "prompt": "fox", "size": "1024x1024"},
        timeout=5,
    )
    assert response.status_code == 400 and "2048x2048" in response.text


def _soon() -> float:
    return time.monotonic() + 5


def test_openai_unverified_organization_says_how_to_verify() -> None:
    body = (
        b'{"error": {"message": "Your organization must be verified to use the model '
        b"`gpt-image-2`. Please go to: https://platform.openai.com/settings/organization/general "
        b'and click on Verify Organization.", "type": "invalid_request_error", "param": null, '
        b'"code": null}}'
    )
    error = openai_api.classify(_response(403, body), Caller("OpenAI"))
    assert error is not None and error.code == ProviderError.AUTH and not error.retryable
    assert "must be verified" in error.message and "Verify Organization" in error.message


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"status": "Error", "error": "content_policy_violation"}, ProviderError.MODERATED),
        ({"status": "Error", "details": {"reason": "GPU failure"}}, ProviderError.UPSTREAM),
    ],
)
def test_bfl_error_status_is_moderation_only_for_a_content_policy(body: dict, code: str) -> None:
    with pytest.raises(ProviderError) as caught:
        bfl._finished(body)
    assert caught.value.code == code


@pytest.mark.parametrize(
    ("reason", "code"),
    [
        ("Filter reason: prompt", ProviderError.MODERATED),
        ("Filter reason: output image", ProviderError.MODERATED),
        ("Inference error", ProviderError.UPSTREAM),
    ],
)
def test_bedrock_sd35_finish_reasons(reason: str, code: str) -> None:
    with pytest.raises(ProviderError) as caught:
        bedrock._image({"seeds": [1], "finish_reasons": [reason], "images": []})
    assert caught.value.code == code
    assert reason in caught.value.message
    assert (code == ProviderError.MODERATED) == caught.value.message.startswith("moderated: ")


@pytest.mark.parametrize(
    ("reason", "code", "words"),
    [
        ("NO_IMAGE", ProviderError.BAD_RESPONSE, "made none (NO_IMAGE)"),
        ("IMAGE_OTHER", ProviderError.UPSTREAM, "unspecified reason (IMAGE_OTHER)"),
    ],
)
def test_gemini_image_finish_reasons_are_said_plainly(
    monkeypatch: pytest.MonkeyPatch, reason: str, code: str, words: str
) -> None:
    answer = {"candidates": [{"finishReason": reason, "index": 0}]}
    monkeypatch.setattr(gemini, "_generate_content", lambda *args: answer)
    with pytest.raises(ProviderError) as caught:
        generate(ModelSpec("google", "gemini-3-pro-image"), SECRET, GenerationRequest("x"), _soon())
    assert caught.value.code == code and words in caught.value.message


def test_gemini_enhance_leaves_room_for_thinking() -> None:
    config = gemini.enhance_body("gemini-3.6-flash", "fox")["generationConfig"]
    assert config["thinkingConfig"] == {"thinkingLevel": "LOW"}
    assert config["maxOutputTokens"] >= 1024
    assert gemini.thinking_config("gemini-2.5-flash") == {"thinkingBudget": 0}


def test_gemini_enhance_spent_on_thoughts_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    answer = {
        "candidates": [
            {
                "finishReason": "MAX_TOKENS",
                "content": {"role": "model", "parts": [{"text": "hmm", "thought": True}]},
            }
        ]
    }
    monkeypatch.setattr(gemini, "_generate_content", lambda *args: answer)
    with pytest.raises(ProviderError) as caught:
        gemini.enhance("gemini-3.6-flash", SECRET, "fox", _soon(), "Model1Key")
    assert "MAX_TOKENS" in caught.value.message
