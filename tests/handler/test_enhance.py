"""POST /enhance: the prompt model's chat answer, or a clear 502/503 when it cannot."""

from __future__ import annotations

from pixelprompt.providers.base import ProviderError

from tests.handler.support import model_env


def test_enhance_returns_original_and_enhanced(s3, event, call, fake_providers):
    status, body, _ = call(event("httpApiV2_enhance.json"))
    assert status == 200
    enhanced = "a cat, photorealistic, soft morning light"
    # short_prompt/long_prompt are the original client's names for the same two prompts.
    assert body == {
        "original": "cat",
        "enhanced": enhanced,
        "short_prompt": "cat",
        "long_prompt": enhanced,
    }


def test_enhance_uses_the_prompt_model_slot(s3, set_env, event, call, fake_providers):
    set_env(PROMPT_MODEL_INDEX="2")
    call(event("httpApiV2_enhance.json"))
    assert fake_providers.enhance_calls == [("ok-two", "key-2", "cat", "Model2Key")]


def test_provider_failure_is_502_with_its_sentence(s3, event, call, fake_providers):
    # GIVEN a provider that refuses the key
    fake_providers.enhance_error = ProviderError("The API key was rejected (401).", code="AUTH")
    # WHEN a prompt is enhanced
    status, body, _ = call(event("httpApiV2_enhance.json"))
    # THEN the client learns which model failed and why
    assert (status, body["code"]) == (502, "ENHANCE_FAILED")
    assert (
        body["error"] == "fake/ok-one could not enhance the prompt: The API key was rejected (401)."
    )


def test_rate_limited_provider_passes_retry_after(s3, event, call, fake_providers):
    fake_providers.enhance_error = ProviderError(
        "Rate limited.", code="RATE_LIMITED", retryable=True, retry_after=12.5
    )
    status, _, headers = call(event("httpApiV2_enhance.json"))
    assert (status, headers["Retry-After"]) == (502, "12")


def test_empty_enhancement_is_502(s3, event, call, fake_providers):
    fake_providers.enhanced = "   "
    status, body, _ = call(event("httpApiV2_enhance.json"))
    assert (status, body["code"]) == (502, "ENHANCE_FAILED")


def test_long_enhancement_is_cut_to_a_usable_prompt(s3, event, call, fake_providers):
    fake_providers.enhanced = "word " * 400
    _, body, _ = call(event("httpApiV2_enhance.json"))
    assert len(body["enhanced"]) <= 1000
    assert body["enhanced"].endswith("word")


def test_unknown_prompt_model_is_503_config(s3, set_env, event, call):
    set_env(**model_env(["Mystery Model"]))
    status, body, _ = call(event("httpApiV2_enhance.json"))
    assert (status, body["code"]) == (503, "CONFIG_ERROR")
    assert "Mystery Model" in body["error"]


def test_enhance_validates_the_prompt(s3, event, call):
    status, body, _ = call(event("httpApiV2_enhance.json", body={"prompt": ""}))
    assert (status, body["code"]) == (400, "MISSING_PROMPT")


def test_enhance_applies_the_content_filter(s3, event, call, fake_providers):
    status, body, _ = call(event("httpApiV2_enhance.json", body={"prompt": "a beheading"}))
    assert (status, body["code"]) == (400, "CONTENT_BLOCKED")
    assert fake_providers.enhance_calls == []
