"""The vendors' own SDKs as the oracle for the simulator and the adapters.

- The simulator's answers parse into each SDK's typed objects, and its errors raise the SDK's
  own exception types (openai-python for OpenAI and for Recraft, whose docs point the OpenAI
  client at its base URL; google-genai; botocore's bedrock-runtime service model).
- For the same call, the adapter sends what the SDK sends: both go through a recording relay
  on 127.0.0.1 and the JSON bodies and meaningful headers are compared.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from typing import Any

import boto3
import openai
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from google import genai
from google.genai import errors as genai_errors
from google.genai import types as genai_types
from pixelprompt.providers import GenerationRequest, ModelSpec, gemini, generate, openai_api
from pixelprompt.providers.catalog import CHAT_MODELS
from pixelprompt.providers.common import ENHANCE_INSTRUCTION

from local.simulator import ProviderSimulator
from tests.providers.capture import Captured, CaptureRelay
from tests.providers.helpers import SECRET

PROMPT = "a red fox in the snow, watercolor"
# Headers that change what the provider does; user-agent, x-stainless-* and the like do not.
MEANINGFUL = ("authorization", "content-type", "accept", "x-goog-api-key")


@pytest.fixture
def relay(sim: ProviderSimulator, monkeypatch: pytest.MonkeyPatch) -> Iterator[CaptureRelay]:
    with CaptureRelay(sim.url) as capture:
        monkeypatch.setenv("OPENAI_BASE_URL", f"{capture.url}/openai/v1")
        monkeypatch.setenv("RECRAFT_BASE_URL", f"{capture.url}/recraft/v1")
        monkeypatch.setenv("GEMINI_BASE_URL", f"{capture.url}/gemini/v1beta")
        yield capture


def openai_client(base: str) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{base}/openai/v1", api_key=SECRET, max_retries=0, timeout=10)


def recraft_client(base: str) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{base}/recraft/v1", api_key=SECRET, max_retries=0, timeout=10)


def google_client(base: str, key: str = SECRET) -> genai.Client:
    options = genai_types.HttpOptions(base_url=f"{base}/gemini", api_version="v1beta")
    return genai.Client(api_key=key, http_options=options)


def bedrock_client() -> Any:
    # The endpoint comes from AWS_ENDPOINT_URL_BEDROCK_RUNTIME (the sim fixture sets it).
    return boto3.client(
        "bedrock-runtime", config=Config(retries={"total_max_attempts": 1}, read_timeout=10)
    )


def _soon() -> float:
    return time.monotonic() + 10


def _thinking(model: str) -> dict[str, Any]:
    """What google-genai's ThinkingConfig takes for this model family (types.py, 3.3.0)."""
    if model.startswith("gemini-2."):
        return {"thinking_budget": 128 if "pro" in model else 0}
    return {"thinking_level": "LOW"}


def _camel(name: str) -> str:
    return re.sub(r"_([a-z])", lambda m: m.group(1).upper(), name)


def proto_json(value: Any) -> Any:
    """Google's APIs read proto3 JSON, which takes a field as lowerCamelCase or as its proto
    name (google-genai 3.3.0 sends thinkingConfig's fields snake_cased): compare camelCased."""
    if isinstance(value, dict):
        return {_camel(k): proto_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [proto_json(v) for v in value]
    return value


def same_call(adapter: Captured, sdk: Captured) -> None:
    assert (adapter.method, adapter.path) == (sdk.method, sdk.path)
    assert json.loads(adapter.body) == json.loads(sdk.body)
    for name in MEANINGFUL:
        assert adapter.headers.get(name) == sdk.headers.get(name), name


# ---- what the adapters send equals what the SDKs send ---------------------------------------


def test_openai_image_request_equals_the_sdks(relay: CaptureRelay) -> None:
    generate(ModelSpec("openai", "gpt-image-2"), SECRET, GenerationRequest(PROMPT), _soon())
    openai_client(relay.url).images.generate(
        model="gpt-image-2",
        prompt=PROMPT,
        n=1,
        size="1024x1024",
        quality="medium",
        output_format="png",
    )
    adapter, sdk = relay.take()
    same_call(adapter, sdk)


@pytest.mark.parametrize(
    ("model", "sampling"),
    [
        ("gpt-4.1-mini", {"temperature": 0.7}),
        (CHAT_MODELS["openai"], {"reasoning_effort": "none"}),  # a reasoning model today
    ],
)
def test_openai_chat_request_equals_the_sdks(
    relay: CaptureRelay, model: str, sampling: dict[str, Any]
) -> None:
    openai_api.enhance(model, SECRET, PROMPT, _soon(), "Model1Key")
    openai_client(relay.url).chat.completions.create(
        model=model,
        messages=[
            {"role": "system", "content": ENHANCE_INSTRUCTION},
            {"role": "user", "content": PROMPT},
        ],
        max_completion_tokens=300,
        **sampling,
    )
    adapter, sdk = relay.take()
    same_call(adapter, sdk)


@pytest.mark.parametrize("model", ["recraftv3", "recraftv4_1", "recraftv4_1_pro"])
def test_recraft_request_equals_the_openai_sdks(relay: CaptureRelay, model: str) -> None:
    generate(ModelSpec("recraft", model), SECRET, GenerationRequest(PROMPT), _soon())
    recraft_client(relay.url).images.generate(
        model=model,
        prompt=PROMPT,
        size="2048x2048" if model.endswith("_pro") else "1024x1024",  # type: ignore[arg-type]
        n=1,
        response_format="b64_json",
    )
    adapter, sdk = relay.take()
    same_call(adapter, sdk)


def test_gemini_image_request_equals_the_sdks(relay: CaptureRelay) -> None:
    generate(ModelSpec("google", "gemini-3-pro-image"), SECRET, GenerationRequest(PROMPT), _soon())
    client = google_client(relay.url)  # held: a dropped Client closes its HTTP client
    client.models.generate_content(
        model="gemini-3-pro-image",
        contents=PROMPT,
        config=genai_types.GenerateContentConfig(
            response_modalities=["TEXT", "IMAGE"],
            image_config=genai_types.ImageConfig(aspect_ratio="1:1"),
        ),
    )
    adapter, sdk = relay.take()
    same_call(adapter, sdk)


def test_gemini_enhance_request_equals_the_sdks(relay: CaptureRelay) -> None:
    model = CHAT_MODELS["google"]  # the model /enhance uses
    gemini.enhance(model, SECRET, PROMPT, _soon(), "Model1Key")
    client = google_client(relay.url)
    client.models.generate_content(
        model=model,
        contents=PROMPT,
        config=genai_types.GenerateContentConfig(
            system_instruction=ENHANCE_INSTRUCTION,
            max_output_tokens=gemini.ENHANCE_OUTPUT_TOKENS,
            thinking_config=genai_types.ThinkingConfig(**_thinking(model)),
        ),
    )
    adapter, sdk = relay.take()
    assert proto_json(json.loads(adapter.body)) == proto_json(json.loads(sdk.body))
    for name in MEANINGFUL:
        assert adapter.headers.get(name) == sdk.headers.get(name), name


# ---- the simulator's answers are what the SDKs parse ----------------------------------------


def test_openai_answers_parse_into_the_sdks_types(sim: ProviderSimulator) -> None:
    client = openai_client(sim.url)
    images = client.images.generate(model="gpt-image-2", prompt=PROMPT, size="1024x1024")
    assert isinstance(images, openai.types.ImagesResponse)
    assert images.data and images.data[0].b64_json and images.usage is not None
    chat = client.chat.completions.create(
        model="gpt-4.1-mini", messages=[{"role": "user", "content": PROMPT}]
    )
    assert isinstance(chat, openai.types.chat.ChatCompletion)
    assert chat.choices[0].finish_reason == "stop" and chat.choices[0].message.content
    # ... and holds no field the SDK's types do not define
    parsed = [images, images.data[0], images.usage, chat, chat.choices[0], chat.choices[0].message]
    assert [item.model_extra for item in parsed] == [{}] * len(parsed)


def test_recraft_answers_parse_into_the_openai_sdks_types(sim: ProviderSimulator) -> None:
    client = recraft_client(sim.url)
    for response_format in ("b64_json", "url"):
        images = client.images.generate(
            model="recraftv4_1",
            prompt=PROMPT,
            response_format=response_format,  # type: ignore[arg-type]
        )
        assert isinstance(images, openai.types.ImagesResponse)
        assert images.data and (images.data[0].b64_json or images.data[0].url)
        # Beyond OpenAI's fields, only those Recraft's own response schema adds
        assert set(images.model_extra or {}) <= {"credits", "style_id"}
        assert set(images.data[0].model_extra or {}) <= {"image_id", "revised_prompt"}


@pytest.mark.parametrize(
    ("mode", "error"),
    [
        ("401", openai.AuthenticationError),
        ("429", openai.RateLimitError),
        ("500", openai.InternalServerError),
        ("moderation", openai.BadRequestError),
    ],
)
@pytest.mark.parametrize("provider", ["openai", "recraft"])
def test_openai_style_errors_raise_the_sdks_exceptions(
    sim: ProviderSimulator, provider: str, mode: str, error: type[Exception]
) -> None:
    sim.set_fault(provider, mode)
    client = openai_client(sim.url) if provider == "openai" else recraft_client(sim.url)
    with pytest.raises(error) as caught:
        client.images.generate(model="gpt-image-2", prompt=PROMPT)
    if provider == "openai" and mode == "moderation":
        assert caught.value.code == "moderation_blocked"  # type: ignore[attr-defined]


def test_gemini_answers_parse_into_the_sdks_types(sim: ProviderSimulator) -> None:
    client = google_client(sim.url)
    image = client.models.generate_content(
        model="gemini-3-pro-image",
        contents=PROMPT,
        config=genai_types.GenerateContentConfig(response_modalities=["TEXT", "IMAGE"]),
    )
    assert isinstance(image, genai_types.GenerateContentResponse)
    (candidate,) = image.candidates or []
    assert candidate.finish_reason == genai_types.FinishReason.STOP
    parts = candidate.content.parts if candidate.content else None
    assert parts and any(p.inline_data and p.inline_data.data for p in parts)
    text = client.models.generate_content(model="gemini-3.6-flash", contents=PROMPT)
    assert text.text and text.usage_metadata and text.usage_metadata.prompt_token_count


def test_gemini_blocks_parse_into_the_sdks_enums(sim: ProviderSimulator) -> None:
    client = google_client(sim.url)
    sim.set_fault("google", "moderation", count=1)
    blocked = client.models.generate_content(model="gemini-3-pro-image", contents=PROMPT)
    assert blocked.prompt_feedback is not None
    assert blocked.prompt_feedback.block_reason == genai_types.BlockedReason.PROHIBITED_CONTENT
    sim.set_fault("google", "block200", count=1)
    filtered = client.models.generate_content(model="gemini-3-pro-image", contents=PROMPT)
    assert filtered.candidates[0].finish_reason == genai_types.FinishReason.IMAGE_SAFETY


@pytest.mark.parametrize(
    ("mode", "error", "code", "status"),
    [
        ("401", genai_errors.ClientError, 401, "UNAUTHENTICATED"),
        ("429", genai_errors.ClientError, 429, "RESOURCE_EXHAUSTED"),
        ("500", genai_errors.ServerError, 500, "INTERNAL"),
    ],
)
def test_gemini_errors_raise_the_sdks_exceptions(
    sim: ProviderSimulator, mode: str, error: type[genai_errors.APIError], code: int, status: str
) -> None:
    sim.set_fault("google", mode)
    client = google_client(sim.url)
    with pytest.raises(error) as caught:
        client.models.generate_content(model="gemini-3.6-flash", contents=PROMPT)
    assert (caught.value.code, caught.value.status) == (code, status)


def test_a_wrong_gemini_key_is_the_sdks_invalid_argument(sim: ProviderSimulator) -> None:
    client = google_client(sim.url, key="invalid")
    with pytest.raises(genai_errors.ClientError) as caught:
        client.models.generate_content(model="gemini-3.6-flash", contents=PROMPT)
    assert (caught.value.code, caught.value.status) == (400, "INVALID_ARGUMENT")
    assert "API_KEY_INVALID" in json.dumps(caught.value.details)


# ---- Bedrock: botocore's service model -------------------------------------------------------


def shape_problems(shape: Any, value: Any, where: str = "") -> list[str]:
    """Fields of `value` that the service model's output `shape` does not define or requires
    and lacks (botocore's parser silently drops unknown fields, so it cannot tell)."""
    problems: list[str] = []
    if shape.type_name == "structure":
        if not isinstance(value, dict):
            return [f"{where or '.'}: not an object"]
        problems += [f"{where}.{k}: missing" for k in shape.required_members if k not in value]
        for key, item in value.items():
            member = shape.members.get(key)
            if member is None:
                problems.append(f"{where}.{key}: not in the model")
            else:
                problems += shape_problems(member, item, f"{where}.{key}")
    elif shape.type_name == "list" and isinstance(value, list):
        for i, item in enumerate(value):
            problems += shape_problems(shape.member, item, f"{where}[{i}]")
    elif shape.type_name == "union" and isinstance(value, dict):
        for key, item in value.items():
            member = shape.members.get(key)
            if member is None:
                problems.append(f"{where}.{key}: not in the model")
            else:
                problems += shape_problems(member, item, f"{where}.{key}")
    return problems


def test_bedrock_converse_answer_is_what_the_service_model_defines(
    sim: ProviderSimulator,
) -> None:
    client = bedrock_client()
    answer = client.converse(
        modelId="amazon.nova-lite-v1:0",
        messages=[{"role": "user", "content": [{"text": PROMPT}]}],
    )
    raw = dict(answer)
    raw.pop("ResponseMetadata")
    output = client.meta.service_model.operation_model("Converse").output_shape
    assert shape_problems(output, raw) == []
    assert answer["output"]["message"]["content"][0]["text"]


@pytest.mark.parametrize(
    ("mode", "code"),
    [
        ("401", "AccessDeniedException"),
        ("429", "ThrottlingException"),
        ("500", "InternalServerException"),
        ("moderation", "ValidationException"),
    ],
)
def test_bedrock_errors_are_the_service_models_exceptions(
    sim: ProviderSimulator, mode: str, code: str
) -> None:
    client = bedrock_client()
    sim.set_fault("bedrock", mode)
    with pytest.raises(ClientError) as caught:
        client.invoke_model(modelId="stability.sd3-5-large-v1:0", body=b'{"prompt": "fox"}')
    assert caught.value.response["Error"]["Code"] == code
    assert isinstance(caught.value, getattr(client.exceptions, code))  # a modeled exception


# ---- a shut-down model and the model lookups -------------------------------------------------


def test_a_shut_down_openai_model_is_the_sdks_not_found(sim: ProviderSimulator) -> None:
    client = openai_client(sim.url)
    with pytest.raises(openai.NotFoundError) as caught:
        client.images.generate(model="gpt-image-1", prompt=PROMPT)  # shut down 2026-10-23
    assert caught.value.code == "model_not_found"
    model = client.models.retrieve("gpt-image-2")
    assert isinstance(model, openai.types.Model) and model.id == "gpt-image-2"
    assert model.model_extra == {}


def test_a_shut_down_gemini_model_is_the_sdks_not_found(sim: ProviderSimulator) -> None:
    client = google_client(sim.url)
    with pytest.raises(genai_errors.ClientError) as caught:
        client.models.generate_content(model="gemini-2.5-flash-image", contents=PROMPT)
    assert (caught.value.code, caught.value.status) == (404, "NOT_FOUND")
    model = client.models.get(model=CHAT_MODELS["google"])
    assert isinstance(model, genai_types.Model)
    assert model.name == f"models/{CHAT_MODELS['google']}"


def test_a_shut_down_bedrock_model_is_the_service_models_not_found(
    sim: ProviderSimulator,
) -> None:
    client = bedrock_client()
    with pytest.raises(ClientError) as caught:
        client.invoke_model(modelId="amazon.nova-canvas-v1:0", body=b"{}")  # EOL 2026-09-30
    assert isinstance(caught.value, client.exceptions.ResourceNotFoundException)


def test_bedrock_model_lookup_is_what_the_control_planes_model_defines(
    sim: ProviderSimulator,
) -> None:
    control = boto3.client("bedrock", config=Config(retries={"total_max_attempts": 1}))
    answer = dict(control.get_foundation_model(modelIdentifier="amazon.nova-lite-v1:0"))
    answer.pop("ResponseMetadata")
    output = control.meta.service_model.operation_model("GetFoundationModel").output_shape
    assert shape_problems(output, answer) == []
    assert answer["modelDetails"]["modelLifecycle"]["status"] in ("ACTIVE", "LEGACY")
