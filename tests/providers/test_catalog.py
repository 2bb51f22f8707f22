"""The model-name table: friendly names, provider/model-id, retired and unknown names."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from pixelprompt.providers import CHAT_MODELS, ModelSpec, ProviderError, needs_key, resolve_model
from pixelprompt.providers.catalog import FRIENDLY_RULES, PROVIDERS, chat_model


@pytest.mark.parametrize(
    ("name", "provider", "model_id"),
    [
        ("DALL-E 3", "openai", "gpt-image-2"),
        ("GPT Image", "openai", "gpt-image-2"),
        ("gpt-image-1", "openai", "gpt-image-1"),
        ("Flux Pro", "bfl", "flux-pro-1.1"),
        ("Flux Pro 1.1 Ultra", "bfl", "flux-pro-1.1-ultra"),
        ("FLUX.2 [pro]", "bfl", "flux-2-pro"),
        ("Black Forest Labs", "bfl", "flux-pro-1.1"),
        ("Stable Diffusion 3.5 Large", "stability", "sd3.5-large"),
        ("Stable Image Ultra", "stability", "ultra"),
        ("Stability AI Core", "stability", "core"),
        ("Recraft v3", "recraft", "recraftv3"),
        ("Gemini 2.5 Flash Image", "google", "gemini-2.5-flash-image"),
        ("Gemini 3 Pro Image", "google", "gemini-3-pro-image-preview"),
        ("Imagen 4", "google", "gemini-2.5-flash-image"),
        ("Nova Canvas", "bedrock", "amazon.nova-canvas-v1:0"),
        ("Stable Diffusion 3.5 Large (Bedrock)", "bedrock", "stability.sd3-5-large-v1:0"),
        ("SD3.5 Large (Bedrock)", "bedrock", "stability.sd3-5-large-v1:0"),
        ("Stable Image Ultra (Bedrock)", "bedrock", "stability.stable-image-ultra-v1:1"),
        ("  nova canvas  ", "bedrock", "amazon.nova-canvas-v1:0"),
    ],
)
def test_friendly_names_map_to_current_model_ids(name: str, provider: str, model_id: str) -> None:
    assert resolve_model(name) == ModelSpec(provider=provider, model_id=model_id)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("openai/gpt-image-2", ModelSpec("openai", "gpt-image-2")),
        ("bfl/flux-pro-1.1", ModelSpec("bfl", "flux-pro-1.1")),
        ("stability/sd3.5-large", ModelSpec("stability", "sd3.5-large")),
        ("recraft/recraftv3", ModelSpec("recraft", "recraftv3")),
        ("google/gemini-2.5-flash-image", ModelSpec("google", "gemini-2.5-flash-image")),
        ("bedrock/amazon.nova-canvas-v1:0", ModelSpec("bedrock", "amazon.nova-canvas-v1:0")),
        ("Gemini/gemini-3-pro-image-preview", ModelSpec("google", "gemini-3-pro-image-preview")),
    ],
)
def test_provider_slash_model_id_is_taken_as_written(name: str, expected: ModelSpec) -> None:
    assert resolve_model(name) == expected


@pytest.mark.parametrize("name", ["openai/dall-e-3", "google/imagen-4.0-generate-001"])
def test_retired_ids_name_their_replacement(name: str) -> None:
    with pytest.raises(ProviderError) as caught:
        resolve_model(name)
    assert caught.value.code == ProviderError.UNKNOWN_MODEL
    assert "retired" in caught.value.message and "use " in caught.value.message


@pytest.mark.parametrize("name", ["Midjourney v6", "", "   ", "acme/model"])
def test_unrecognised_names_say_which_forms_are_accepted(name: str) -> None:
    with pytest.raises(ProviderError) as caught:
        resolve_model(name)
    assert caught.value.code == ProviderError.UNKNOWN_MODEL
    assert "provider/model-id" in caught.value.message


@pytest.mark.parametrize("name", ["bfl/../admin", "openai/gpt image", "google/a/b"])
def test_model_ids_that_could_escape_the_url_path_are_refused(name: str) -> None:
    with pytest.raises(ProviderError) as caught:
        resolve_model(name)
    assert caught.value.code == ProviderError.UNKNOWN_MODEL


def test_every_rule_points_at_a_known_provider() -> None:
    assert {rule.provider for rule in FRIENDLY_RULES} <= set(PROVIDERS)


def test_only_bedrock_needs_no_key() -> None:
    assert [p for p in PROVIDERS if not needs_key(p)] == ["bedrock"]


def test_chat_models_exist_for_openai_google_and_bedrock_only() -> None:
    assert set(CHAT_MODELS) == {"openai", "google", "bedrock"}
    assert chat_model("bedrock") == "amazon.nova-lite-v1:0"
    for provider in ("bfl", "stability", "recraft"):
        with pytest.raises(ProviderError) as caught:
            chat_model(provider)
        assert caught.value.code == ProviderError.NO_CHAT
        assert "PromptModelIndex" in caught.value.message


def test_importing_the_package_loads_neither_requests_nor_boto3() -> None:
    code = (
        "import sys; import pixelprompt.providers as p; p.resolve_model('Nova Canvas'); "
        "print(sorted(m for m in ('requests', 'boto3', 'botocore') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[2] / "handler",
        timeout=30,
    )
    assert result.stdout.strip() == "[]"
