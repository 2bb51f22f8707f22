"""The simulator knows which models are alive (from the registry) and serves the preflight's
key checks and model lookups, each in its provider's own shape."""

from __future__ import annotations

from collections.abc import Iterator

import boto3
import pytest
import requests
from botocore.config import Config
from botocore.exceptions import ClientError
from pixelprompt.providers import registry

from local.simulator import ProviderSimulator

BEARER = {"Authorization": "Bearer sk-test"}


def _lookup(sim: ProviderSimulator, http: requests.Session, provider: str, model: str):
    if provider == "openai":
        return http.get(f"{sim.url}/openai/v1/models/{model}", headers=BEARER, timeout=5)
    return http.get(
        f"{sim.url}/gemini/v1beta/models/{model}", headers={"x-goog-api-key": "k"}, timeout=5
    )


@pytest.mark.parametrize("provider", ["openai", "google"])
def test_every_live_model_of_the_registry_is_found_and_every_shut_down_one_is_not(
    sim: ProviderSimulator, http: requests.Session, provider: str
) -> None:
    table = registry.get(provider)
    live = table.live_models()
    assert live, "the registry names live models"
    for model in table.models:
        response = _lookup(sim, http, provider, model.id)
        assert (response.status_code == 200) == (model.id in live), model.id


def test_openai_unknown_model_is_its_model_not_found_envelope(
    sim: ProviderSimulator, http: requests.Session
) -> None:
    response = _lookup(sim, http, "openai", "dall-e-3")
    assert response.status_code == 404
    error = response.json()["error"]
    assert (error["code"], error["type"]) == ("model_not_found", "invalid_request_error")
    assert "`dall-e-3` does not exist" in error["message"]


def test_openai_lookup_carries_the_shutdown_date(sim, http) -> None:
    # gpt-4.1-mini is deprecated with a shutdown on 2027-01-14: still served, date announced.
    body = _lookup(sim, http, "openai", "gpt-4.1-mini").json()
    assert (body["id"], body["object"], body["shutdown_date"]) == (
        "gpt-4.1-mini",
        "model",
        "2027-01-14",
    )
    assert _lookup(sim, http, "openai", "gpt-image-2").json()["shutdown_date"] is None


def test_generation_with_a_shut_down_model_gets_the_same_404(sim, http) -> None:
    response = http.post(
        f"{sim.url}/openai/v1/images/generations",
        headers=BEARER,
        json={"model": "gpt-image-1", "prompt": "a fox"},
        timeout=5,
    )
    assert response.status_code == 404 and response.json()["error"]["code"] == "model_not_found"
    gemini = http.post(
        f"{sim.url}/gemini/v1beta/models/gemini-2.5-flash-image:generateContent",
        headers={"x-goog-api-key": "k"},
        json={"contents": [{"parts": [{"text": "a fox"}]}]},
        timeout=5,
    )
    assert gemini.status_code == 404 and gemini.json()["error"]["status"] == "NOT_FOUND"


def test_gemini_lookup_lists_generate_content(sim, http) -> None:
    body = _lookup(sim, http, "google", "gemini-3-pro-image").json()
    assert body["name"] == "models/gemini-3-pro-image"
    assert "generateContent" in body["supportedGenerationMethods"]


def test_bfl_submit_of_an_unknown_model_is_404(sim, http) -> None:
    response = http.post(
        f"{sim.url}/bfl/v1/flux-9-ultimate", headers={"x-key": "k"}, json={"prompt": "a"}, timeout=5
    )
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("path", "headers", "field"),
    [
        ("/bfl/v1/credits", {"x-key": "k"}, "credits"),
        ("/stability/v1/user/balance", BEARER, "credits"),
        ("/recraft/v1/users/me", BEARER, "credits"),
    ],
)
def test_account_endpoints_answer_a_good_key_and_refuse_a_revoked_one(
    sim: ProviderSimulator, http: requests.Session, path: str, headers: dict, field: str
) -> None:
    ok = http.get(f"{sim.url}{path}", headers=headers, timeout=5)
    assert ok.status_code == 200 and isinstance(ok.json()[field], int | float)
    provider = path.split("/")[1]
    sim.set_fault(provider, "revoked")
    refused = http.get(f"{sim.url}{path}", headers=headers, timeout=5)
    assert refused.status_code == 401


def test_a_revoked_openai_key_is_refused_by_the_lookup_and_generation(sim, http) -> None:
    sim.set_fault("openai", "revoked")
    assert _lookup(sim, http, "openai", "gpt-image-2").status_code == 401
    response = http.post(
        f"{sim.url}/openai/v1/images/generations",
        headers=BEARER,
        json={"model": "gpt-image-2", "prompt": "a fox"},
        timeout=5,
    )
    assert response.json()["error"]["code"] == "invalid_api_key"


@pytest.fixture
def bedrock(sim: ProviderSimulator) -> Iterator[object]:
    client = boto3.client(
        "bedrock",
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        endpoint_url=sim.env()["AWS_ENDPOINT_URL_BEDROCK"],
        config=Config(retries={"total_max_attempts": 1}, read_timeout=5),
    )
    yield client
    client.close()


def test_bedrock_get_foundation_model_reports_the_lifecycle(bedrock) -> None:
    details = bedrock.get_foundation_model(modelIdentifier="stability.sd3-5-large-v1:0")
    model = details["modelDetails"]
    assert model["modelLifecycle"]["status"] == "ACTIVE"
    assert model["inferenceTypesSupported"] == ["ON_DEMAND"]


@pytest.mark.parametrize(
    ("model", "code"),
    [
        ("amazon.nova-canvas-v1:0", "ResourceNotFoundException"),  # end of life 2026-09-30
        ("acme.painter-v9:0", "ValidationException"),
    ],
)
def test_bedrock_lookup_of_a_dead_or_unknown_model_is_botocores_error(bedrock, model, code):
    with pytest.raises(ClientError) as caught:
        bedrock.get_foundation_model(modelIdentifier=model)
    assert caught.value.response["Error"]["Code"] == code


def test_bedrock_inference_profile_of_a_live_model_is_found(bedrock) -> None:
    profile = bedrock.get_inference_profile(inferenceProfileIdentifier="us.amazon.nova-lite-v1:0")
    assert profile["status"] == "ACTIVE" and profile["type"] == "SYSTEM_DEFINED"
