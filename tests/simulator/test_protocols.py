"""Each provider's wire protocol as the simulator speaks it, checked with plain HTTP and boto3."""

from __future__ import annotations

import base64
import io
import json
from collections.abc import Iterator

import boto3
import pytest
import requests
from botocore.config import Config
from botocore.exceptions import ClientError
from PIL import Image

from local.simulator import ProviderSimulator, draw

BEARER = {"Authorization": "Bearer sk-test"}


def _picture(data: bytes, fmt: str) -> Image.Image:
    picture = Image.open(io.BytesIO(data))
    assert (picture.format, picture.size) == (fmt, (512, 512))
    return picture


# OpenAI ----------------------------------------------------------------------------------------


def _openai(sim: ProviderSimulator, http: requests.Session, body: dict, key: str = "sk-test"):
    return http.post(
        f"{sim.url}/openai/v1/images/generations",
        headers={"Authorization": f"Bearer {key}"},
        json=body,
        timeout=5,
    )


def test_openai_images_answer_b64_json_png(sim: ProviderSimulator, http: requests.Session) -> None:
    answer = _openai(sim, http, {"model": "gpt-image-2", "prompt": "fox"}).json()
    assert set(answer) >= {"created", "data", "usage"}
    _picture(base64.b64decode(answer["data"][0]["b64_json"]), "PNG")


def test_openai_gpt_image_refuses_response_format(
    sim: ProviderSimulator, http: requests.Session
) -> None:
    body = {"model": "gpt-image-2", "prompt": "fox", "response_format": "url"}
    response = _openai(sim, http, body)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "unknown_parameter"


@pytest.mark.parametrize(("key", "code"), [("", None), ("invalid", "invalid_api_key")])
def test_openai_refuses_a_missing_or_invalid_key(
    sim: ProviderSimulator, http: requests.Session, key: str, code: str | None
) -> None:
    response = _openai(sim, http, {"model": "gpt-image-2", "prompt": "fox"}, key=key)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == code


def test_openai_moderation_is_a_400_moderation_blocked(
    sim: ProviderSimulator, http: requests.Session
) -> None:
    sim.set_fault("openai", "moderation")
    error = _openai(sim, http, {"model": "gpt-image-2", "prompt": "fox"}).json()["error"]
    assert (error["code"], error["type"]) == ("moderation_blocked", "image_generation_user_error")


def test_openai_chat_answers_with_an_enhanced_prompt(
    sim: ProviderSimulator, http: requests.Session
) -> None:
    body = {"model": "gpt-4.1-mini", "messages": [{"role": "user", "content": "a cat"}]}
    answer = http.post(
        f"{sim.url}/openai/v1/chat/completions", headers=BEARER, json=body, timeout=5
    ).json()
    choice = answer["choices"][0]
    assert choice["finish_reason"] == "stop"
    assert choice["message"]["content"].startswith("a cat, ")


# BFL -------------------------------------------------------------------------------------------


def _bfl_submit(sim: ProviderSimulator, http: requests.Session, model: str, body: dict):
    return http.post(f"{sim.url}/bfl/v1/{model}", headers={"x-key": "k"}, json=body, timeout=5)


def test_bfl_submit_poll_pending_ready_and_jpeg_sample(
    sim: ProviderSimulator, http: requests.Session
) -> None:
    task = _bfl_submit(sim, http, "flux-pro-1.1", {"prompt": "fox"}).json()
    assert task["polling_url"] == f"{sim.url}/bfl/v1/get_result?id={task['id']}"
    first = http.get(task["polling_url"], headers={"x-key": "k"}, timeout=5).json()
    second = http.get(task["polling_url"], headers={"x-key": "k"}, timeout=5).json()
    assert (first["status"], second["status"]) == ("Pending", "Ready")
    sample = http.get(second["result"]["sample"], timeout=5)  # signed URL: no key needed
    assert sample.headers["Content-Type"] == "image/jpeg"
    _picture(sample.content, "JPEG")


@pytest.mark.parametrize(
    ("mode", "status"), [("moderation", "Request Moderated"), ("block200", "Content Moderated")]
)
def test_bfl_moderated_tasks_report_their_status(
    sim: ProviderSimulator, http: requests.Session, mode: str, status: str
) -> None:
    sim.set_fault("bfl", mode, count=1)
    task = _bfl_submit(sim, http, "flux-pro-1.1", {"prompt": "fox"}).json()
    for _ in range(2):
        polled = http.get(task["polling_url"], headers={"x-key": "k"}, timeout=5).json()
    assert polled["status"] == status


def test_bfl_rejects_steps_on_flux_pro_1_1_with_422(
    sim: ProviderSimulator, http: requests.Session
) -> None:
    response = _bfl_submit(sim, http, "flux-pro-1.1", {"prompt": "fox", "steps": 20})
    assert response.status_code == 422
    assert "steps" in response.json()["detail"][0]["msg"]


def test_bfl_unknown_task_is_task_not_found(sim: ProviderSimulator, http: requests.Session) -> None:
    polled = http.get(f"{sim.url}/bfl/v1/get_result?id=nope", headers={"x-key": "k"}, timeout=5)
    assert polled.json()["status"] == "Task not found"


# Stability -------------------------------------------------------------------------------------

SD3 = "/stability/v2beta/stable-image/generate/sd3"


def _stability(sim: ProviderSimulator, http: requests.Session, accept: str, **fields: str):
    form = {name: (None, value) for name, value in {"prompt": "fox", **fields}.items()}
    headers = {**BEARER, "Accept": accept}
    return http.post(f"{sim.url}{SD3}", headers=headers, files=form, timeout=5)


def test_stability_json_answer(sim: ProviderSimulator, http: requests.Session) -> None:
    answer = _stability(sim, http, "application/json", model="sd3.5-large", seed="42").json()
    assert (answer["finish_reason"], answer["seed"]) == ("SUCCESS", 42)
    _picture(base64.b64decode(answer["image"]), "PNG")


def test_stability_raw_image_answer_with_headers(
    sim: ProviderSimulator, http: requests.Session
) -> None:
    response = _stability(sim, http, "image/*", output_format="jpeg")
    assert response.headers["finish-reason"] == "SUCCESS" and response.headers["seed"]
    _picture(response.content, "JPEG")


def test_stability_requires_multipart(sim: ProviderSimulator, http: requests.Session) -> None:
    response = http.post(f"{sim.url}{SD3}", headers=BEARER, json={"prompt": "fox"}, timeout=5)
    assert response.status_code == 400
    assert "multipart" in response.json()["errors"][0]


def test_stability_moderation_is_403_content_moderation(
    sim: ProviderSimulator, http: requests.Session
) -> None:
    sim.set_fault("stability", "moderation")
    response = _stability(sim, http, "application/json")
    assert (response.status_code, response.json()["name"]) == (403, "content_moderation")


def test_stability_output_filter_is_a_200_content_filtered(
    sim: ProviderSimulator, http: requests.Session
) -> None:
    sim.set_fault("stability", "block200")
    answer = _stability(sim, http, "application/json").json()
    assert answer["finish_reason"] == "CONTENT_FILTERED"


# Recraft ---------------------------------------------------------------------------------------


def _recraft(sim: ProviderSimulator, http: requests.Session, body: dict):
    url = f"{sim.url}/recraft/v1/images/generations"
    return http.post(url, headers=BEARER, json=body, timeout=5)


def test_recraft_answers_a_url_by_default(sim: ProviderSimulator, http: requests.Session) -> None:
    item = _recraft(sim, http, {"model": "recraftv3", "prompt": "fox"}).json()["data"][0]
    assert item["url"].startswith(f"{sim.url}/files/") and item["image_id"]
    _picture(http.get(item["url"], timeout=5).content, "PNG")


def test_recraft_answers_b64_json_when_asked(
    sim: ProviderSimulator, http: requests.Session
) -> None:
    body = {"model": "recraftv3", "prompt": "fox", "response_format": "b64_json"}
    item = _recraft(sim, http, body).json()["data"][0]
    _picture(base64.b64decode(item["b64_json"]), "PNG")


def test_recraft_refuses_a_v3_prompt_over_1000_characters(
    sim: ProviderSimulator, http: requests.Session
) -> None:
    response = _recraft(sim, http, {"model": "recraftv3", "prompt": "x" * 1001})
    assert response.status_code == 400


# Gemini ----------------------------------------------------------------------------------------


def _gemini(sim: ProviderSimulator, http: requests.Session, model: str, key: str = "k"):
    body = {
        "contents": [{"parts": [{"text": "a fox"}]}],
        "generationConfig": {"responseModalities": ["TEXT", "IMAGE"]},
    }
    url = f"{sim.url}/gemini/v1beta/models/{model}:generateContent"
    return http.post(url, headers={"x-goog-api-key": key}, json=body, timeout=5)


def test_gemini_image_answer_has_text_then_inline_data(
    sim: ProviderSimulator, http: requests.Session
) -> None:
    candidate = _gemini(sim, http, "gemini-3.1-flash-image").json()["candidates"][0]
    text, image = candidate["content"]["parts"]
    assert candidate["finishReason"] == "STOP" and "text" in text
    assert image["inlineData"]["mimeType"] == "image/png"
    _picture(base64.b64decode(image["inlineData"]["data"]), "PNG")


def test_gemini_text_model_answers_text(sim: ProviderSimulator, http: requests.Session) -> None:
    body = {"contents": [{"parts": [{"text": "a fox"}]}]}
    url = f"{sim.url}/gemini/v1beta/models/gemini-3.6-flash:generateContent"
    answer = http.post(url, headers={"x-goog-api-key": "k"}, json=body, timeout=5).json()
    assert answer["candidates"][0]["content"]["parts"][0]["text"].startswith("a fox, ")


def test_gemini_429_carries_retry_info_not_retry_after(
    sim: ProviderSimulator, http: requests.Session
) -> None:
    sim.set_fault("google", "429", retry_after=7)
    response = _gemini(sim, http, "gemini-3.1-flash-image")
    error = response.json()["error"]
    assert (response.status_code, error["status"]) == (429, "RESOURCE_EXHAUSTED")
    assert error["details"][0]["retryDelay"] == "7s"
    assert "Retry-After" not in response.headers


def test_gemini_invalid_key_is_400_api_key_invalid(
    sim: ProviderSimulator, http: requests.Session
) -> None:
    response = _gemini(sim, http, "gemini-3.1-flash-image", key="invalid")
    assert response.status_code == 400
    assert response.json()["error"]["details"][0]["reason"] == "API_KEY_INVALID"


@pytest.mark.parametrize(
    ("mode", "path", "value"),
    [
        ("block200", ("candidates", 0, "finishReason"), "IMAGE_SAFETY"),
        ("moderation", ("promptFeedback", "blockReason"), "PROHIBITED_CONTENT"),
    ],
)
def test_gemini_blocks_arrive_as_200(
    sim: ProviderSimulator, http: requests.Session, mode: str, path: tuple, value: str
) -> None:
    sim.set_fault("google", mode)
    response = _gemini(sim, http, "gemini-3.1-flash-image")
    found = response.json()
    for step in path:
        found = found[step]
    assert (response.status_code, found) == (200, value)


# Bedrock (through boto3, as the adapter calls it) ------------------------------------------------


@pytest.fixture
def bedrock(sim: ProviderSimulator) -> Iterator[object]:
    client = boto3.session.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1"
    ).client(
        "bedrock-runtime",
        endpoint_url=sim.url,
        config=Config(retries={"total_max_attempts": 1}, read_timeout=5),
    )
    yield client
    client.close()


def _invoke(client: object, model: str, body: dict) -> dict:
    response = client.invoke_model(  # type: ignore[attr-defined]
        modelId=model, body=json.dumps(body), contentType="application/json"
    )
    return json.loads(response["body"].read())


NOVA = {"taskType": "TEXT_IMAGE", "textToImageParams": {"text": "a fox"}}


def test_bedrock_answers_a_model_at_end_of_life_as_bedrock_does(bedrock: object) -> None:
    # Nova Canvas reached end of life on 2026-09-30 (the registry's lifecycle table).
    with pytest.raises(ClientError) as caught:
        _invoke(bedrock, "amazon.nova-canvas-v1:0", NOVA)
    assert caught.value.response["Error"]["Code"] == "ResourceNotFoundException"
    assert "end of its life" in caught.value.response["Error"]["Message"]


def test_bedrock_answers_an_unknown_model_with_a_validation_error(bedrock: object) -> None:
    with pytest.raises(ClientError) as caught:
        _invoke(bedrock, "acme.painter-v9:0", {"prompt": "a fox"})
    assert caught.value.response["Error"]["Code"] == "ValidationException"


def test_bedrock_stability_answers_seeds_finish_reasons_images(bedrock: object) -> None:
    answer = _invoke(bedrock, "stability.sd3-5-large-v1:0", {"prompt": "a fox", "seed": 5})
    assert (answer["seeds"], answer["finish_reasons"]) == ([5], [None])
    _picture(base64.b64decode(answer["images"][0]), "PNG")


def test_bedrock_stability_filter_is_a_200_with_a_finish_reason(
    sim: ProviderSimulator, bedrock: object
) -> None:
    sim.set_fault("bedrock", "block200")
    answer = _invoke(bedrock, "stability.sd3-5-large-v1:0", {"prompt": "a fox"})
    assert answer["finish_reasons"] == ["Filter reason: prompt"] and answer["images"] == []


def test_bedrock_converse_answers_a_message(bedrock: object) -> None:
    answer = bedrock.converse(  # type: ignore[attr-defined]
        modelId="amazon.nova-lite-v1:0",
        messages=[{"role": "user", "content": [{"text": "a fox"}]}],
    )
    assert answer["stopReason"] == "end_turn"
    assert answer["output"]["message"]["content"][0]["text"].startswith("a fox, ")
    assert answer["usage"]["totalTokens"] > 0


@pytest.mark.parametrize(
    ("mode", "code", "words"),
    [
        ("429", "ThrottlingException", "Too many requests"),
        ("moderation", "ValidationException", "content filters"),
        ("500", "InternalServerException", "internal error"),
        ("401", "AccessDeniedException", "access"),
    ],
)
def test_bedrock_errors_are_what_botocore_expects(
    sim: ProviderSimulator, bedrock: object, mode: str, code: str, words: str
) -> None:
    sim.set_fault("bedrock", mode)
    with pytest.raises(ClientError) as caught:
        _invoke(bedrock, "stability.sd3-5-large-v1:0", {"prompt": "a fox"})
    assert caught.value.response["Error"]["Code"] == code
    assert words in caught.value.response["Error"]["Message"]


def test_bedrock_refuses_unsigned_requests(sim: ProviderSimulator, http: requests.Session) -> None:
    response = http.post(f"{sim.url}/model/amazon.nova-canvas-v1:0/invoke", json=NOVA, timeout=5)
    assert response.status_code == 403
    assert response.headers["x-amzn-ErrorType"].startswith("MissingAuthenticationToken")


# Images ----------------------------------------------------------------------------------------


def test_images_depend_on_prompt_and_model_and_are_stable() -> None:
    assert draw("a fox", "gpt-image-2") == draw("a fox", "gpt-image-2")
    assert draw("a fox", "gpt-image-2") != draw("a fox", "flux-pro-1.1")
    assert draw("a fox", "gpt-image-2") != draw("a cat", "gpt-image-2")
    _picture(draw("a fox", "flux", "jpeg"), "JPEG")
    _picture(draw("a fox", "x", "webp"), "WEBP")
