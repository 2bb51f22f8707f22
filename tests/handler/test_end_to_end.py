"""lambda_handler end to end with the real provider adapters against the provider simulator."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from PIL import Image
from pixelprompt import backends
from pixelprompt.providers import bfl

from local.simulator import ProviderSimulator
from tests.handler.support import BUCKET, model_env

SIX = [
    "openai/gpt-image-2",
    "bfl/flux-pro-1.1",
    "stability/sd3.5-large",
    "recraft/recraftv4_1",
    "google/gemini-3.1-flash-image",
    "bedrock/stability.stable-image-core-v1:1",
]


@pytest.fixture(scope="module")
def simulator() -> Iterator[ProviderSimulator]:
    with ProviderSimulator(latency=0.0) as sim:
        yield sim


@pytest.fixture
def sim(s3, simulator, set_env, monkeypatch) -> ProviderSimulator:
    """The real adapters, pointed at the simulator, behind six configured models."""
    simulator.clear_faults()
    simulator.clear_requests()
    set_env(**simulator.env(), **model_env(SIX), PROMPT_MODEL_INDEX="1")
    monkeypatch.setattr(bfl, "POLL_FIRST", 0.05)  # the first BFL poll is always Pending
    backends.use(None)
    return simulator


def test_six_providers_each_produce_a_stored_image(sim, generate_job, run_worker, get_status, s3):
    # GIVEN one model per provider WHEN a job runs through the real adapters
    job_id, payload = generate_job()
    run_worker(payload)
    # THEN every model completed and stored a real image
    _, body = get_status(job_id)
    assert body["status"] == "completed", body["results"]
    assert [r["provider"] for r in body["results"]] == [
        "openai",
        "bfl",
        "stability",
        "recraft",
        "google",
        "bedrock",
    ]
    for result in body["results"]:
        obj = s3.get_object(Bucket=BUCKET, Key=result["imageKey"])
        image = Image.open(obj["Body"])
        assert obj["ContentType"] == Image.MIME[image.format]


def test_rejected_key_is_one_models_error(sim, generate_job, run_worker, get_status):
    # GIVEN OpenAI refusing the key
    sim.set_fault("openai", "401")
    job_id, payload = generate_job()
    # WHEN the job runs
    run_worker(payload)
    # THEN only that model failed, with a sentence naming the key's parameter
    _, body = get_status(job_id)
    assert body["status"] == "partial"
    failed = [r for r in body["results"] if r["status"] == "error"]
    assert [r["model"] for r in failed] == ["openai/gpt-image-2"]
    assert "Model1Key" in failed[0]["error"]


def test_rate_limit_then_success_completes(sim, generate_job, run_worker, get_status):
    sim.set_fault("stability", "429", count=1, retry_after=0.2)
    job_id, payload = generate_job()
    run_worker(payload)
    _, body = get_status(job_id)
    assert body["status"] == "completed"


def test_moderation_says_so(sim, generate_job, run_worker, get_status):
    sim.set_fault("bfl", "moderation")
    job_id, payload = generate_job()
    run_worker(payload)
    _, body = get_status(job_id)
    (bfl_result,) = [r for r in body["results"] if r["provider"] == "bfl"]
    assert bfl_result["status"] == "error"
    assert "moderat" in bfl_result["error"].lower()


def test_enhance_through_the_real_openai_adapter(sim, event, call):
    status, body, _ = call(event("httpApiV2_enhance.json"))
    assert status == 200
    assert body["original"] == "cat"
    assert body["enhanced"] and body["enhanced"] != "cat"


def test_enhance_provider_failure_is_502_not_500(sim, event, call):
    sim.set_fault("openai", "401")
    status, body, _ = call(event("httpApiV2_enhance.json"))
    assert (status, body["code"]) == (502, "ENHANCE_FAILED")
    assert body["error"].startswith("openai/gpt-image-2 could not enhance the prompt:")


def test_enhance_with_a_provider_without_chat_is_503_config(sim, set_env, event, call):
    set_env(PROMPT_MODEL_INDEX="2")  # BFL has no chat API
    status, body, _ = call(event("httpApiV2_enhance.json"))
    assert (status, body["code"]) == (503, "CONFIG_ERROR")
    assert body["error"].startswith("The prompt model is misconfigured:")


def test_enhance_with_a_missing_key_is_503_config(sim, set_keys, event, call):
    set_keys({1: ""})
    status, body, _ = call(event("httpApiV2_enhance.json"))
    assert (status, body["code"]) == (503, "CONFIG_ERROR")
    assert "Model1Key" in body["error"]


def test_a_key_with_a_line_break_never_reaches_a_card_or_a_log(
    sim, set_keys, generate_job, run_worker, get_status, capsys
):
    # GIVEN a secret edited by hand, with a line break inside slot 1's key
    canary = "sk-CANARY-5e2b9d"
    set_keys({1: f"{canary}\nX-Injected: yes"})
    # WHEN a job runs through the real adapters
    job_id, payload = generate_job()
    run_worker(payload)
    _, body = get_status(job_id)
    # THEN that model's card says which key to fix, the others finish, and the key is nowhere
    first = body["results"][0]
    assert (first["status"], first["errorCode"]) == ("error", "AUTH")
    assert "Model1Key" in first["error"]
    assert body["status"] == "partial"
    captured = capsys.readouterr()
    assert canary not in json.dumps(body) + captured.out + captured.err


def test_a_shut_down_model_is_a_card_naming_the_parameter_and_the_replacement(
    sim, set_env, generate_job, run_worker, get_status
):
    # GIVEN slot 5 names a model Google shut down on 2026-10-02 (configured before that day)
    set_env(MODEL_5_NAME="google/gemini-2.5-flash-image")
    job_id, payload = generate_job()
    # WHEN the job runs
    run_worker(payload)
    # THEN that card says which parameter to change and to what; nothing was sent for it
    _, body = get_status(job_id)
    (card,) = [r for r in body["results"] if r["index"] == 5]
    assert card["status"] == "error"
    assert card["error"] == (
        "Model5Name: Google Gemini shut gemini-2.5-flash-image down on 2026-10-02; "
        "use google/gemini-3.1-flash-image"
    )
    assert not [r for r in sim.requests if "gemini-2.5-flash-image" in r[1]]
    assert body["status"] == "partial"


def test_a_provider_saying_no_such_model_is_a_card_naming_the_parameter(
    sim, set_env, generate_job, run_worker, get_status
):
    # GIVEN slot 1 names an id OpenAI does not serve (the simulator answers model_not_found)
    set_env(MODEL_1_NAME="openai/gpt-image-9")
    job_id, payload = generate_job()
    run_worker(payload)
    _, body = get_status(job_id)
    (card,) = [r for r in body["results"] if r["index"] == 1]
    assert card["status"] == "error" and card["errorCode"] == "UNKNOWN_MODEL"
    assert card["error"].startswith("Model1Name: OpenAI has no model gpt-image-9 (")
    assert "name a current model" in card["error"]
