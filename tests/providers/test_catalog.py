"""The model-name table: friendly names, provider/model-id, retired and unknown names."""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from pixelprompt.providers import (
    CHAT_MODELS,
    ModelSpec,
    ProviderError,
    catalog,
    needs_key,
    registry,
    resolve_model,
)
from pixelprompt.providers.catalog import ACCEPTED_FORMS, FRIENDLY_RULES, PROVIDERS, chat_model

FACTS_READ = date(2026, 12, 1)  # the day the lifecycle table was checked against the vendors


@pytest.mark.parametrize(
    ("name", "provider", "model_id"),
    [
        ("GPT Image", "openai", "gpt-image-2.6-sunburst"),
        ("GPT Image 2", "openai", "gpt-image-2"),
        ("GPT Image 2.6 Flare", "openai", "gpt-image-2.6-flare"),
        ("OpenAI", "openai", "gpt-image-2.6-sunburst"),
        ("Flux Pro", "bfl", "flux-pro-1.1"),
        ("Flux Pro 1.1 Ultra", "bfl", "flux-pro-1.1-ultra"),
        ("FLUX.2 [pro]", "bfl", "flux-2-pro"),
        ("FLUX.2 [max]", "bfl", "flux-2-max"),
        ("Black Forest Labs", "bfl", "flux-pro-1.1"),
        ("Stable Diffusion 3.5 Large", "stability", "sd3.5-large"),
        ("Stable Image Ultra", "stability", "ultra"),
        ("Stability AI Core", "stability", "core"),
        ("Recraft v3", "recraft", "recraftv3"),
        ("Recraft V4.1", "recraft", "recraftv4_1"),
        ("Recraft", "recraft", "recraftv4_1"),
        ("Gemini 3 Pro Image", "google", "gemini-3-pro-image"),
        ("Gemini 3.1 Flash Image", "google", "gemini-3.1-flash-image"),
        ("Nano Banana", "google", "gemini-3.1-flash-image"),
        ("Stable Diffusion 3.5 Large (Bedrock)", "bedrock", "stability.sd3-5-large-v1:0"),
        ("SD3.5 Large (Bedrock)", "bedrock", "stability.sd3-5-large-v1:0"),
        ("Stable Image Ultra (Bedrock)", "bedrock", "stability.stable-image-ultra-v1:1"),
        ("  stable image core (bedrock)  ", "bedrock", "stability.stable-image-core-v1:1"),
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
        ("google/gemini-3.1-flash-image", ModelSpec("google", "gemini-3.1-flash-image")),
        ("bedrock/stability.sd3-5-large-v1:0", ModelSpec("bedrock", "stability.sd3-5-large-v1:0")),
        ("Gemini/gemini-3-pro-image", ModelSpec("google", "gemini-3-pro-image")),
        # Ids the table does not hold yet are taken as written; the preflight asks the vendor.
        ("openai/gpt-image-9", ModelSpec("openai", "gpt-image-9")),
    ],
)
def test_provider_slash_model_id_is_taken_as_written(name: str, expected: ModelSpec) -> None:
    assert resolve_model(name) == expected


@pytest.mark.parametrize(
    ("name", "sentence"),
    [
        (
            "google/gemini-2.5-flash-image",
            "Google Gemini shut gemini-2.5-flash-image down on 2026-10-02; "
            "use google/gemini-3.1-flash-image",
        ),
        (
            "Gemini/gemini-3-pro-image-preview",
            "Google Gemini shut gemini-3-pro-image-preview down on 2026-06-25; "
            "use google/gemini-3-pro-image",
        ),
        (
            "bedrock/amazon.nova-canvas-v1:0",
            "Amazon Bedrock shut amazon.nova-canvas-v1:0 down on 2026-09-30; "
            "use bedrock/stability.stable-image-core-v1:1",
        ),
        (
            "openai/dall-e-3",
            "OpenAI shut dall-e-3 down on 2026-05-12; use openai/gpt-image-2.6-sunburst",
        ),
        (
            "openai/gpt-image-1-mini",
            "OpenAI shut gpt-image-1-mini down on 2026-12-01; use openai/gpt-image-2.6-sunburst",
        ),
    ],
)
def test_shut_down_ids_are_refused_with_date_and_replacement(name: str, sentence: str) -> None:
    with pytest.raises(ProviderError) as caught:
        resolve_model(name, on=FACTS_READ)
    assert caught.value.code == ProviderError.UNKNOWN_MODEL
    assert caught.value.message == sentence


@pytest.mark.parametrize(
    ("name", "model_id", "replacement"),
    [
        ("DALL-E 3", "dall-e-3", "openai/gpt-image-2.6-sunburst"),
        ("gpt-image-1", "gpt-image-1", "openai/gpt-image-2.6-sunburst"),
        ("GPT Image 1.5", "gpt-image-1.5", "openai/gpt-image-2.6-sunburst"),
        ("GPT Image mini", "gpt-image-1-mini", "openai/gpt-image-2.6-sunburst"),
        ("Gemini 2.5 Flash Image", "gemini-2.5-flash-image", "google/gemini-3.1-flash-image"),
        ("Imagen 4", "imagen-4.0-generate-001", "google/gemini-3.1-flash-image"),
        ("Imagen 4 Ultra", "imagen-4.0-ultra-generate-001", "google/gemini-3-pro-image"),
        ("Nova Canvas", "amazon.nova-canvas-v1:0", "bedrock/stability.stable-image-core-v1:1"),
        ("Titan Image", "amazon.titan-image-generator-v2:0", "bedrock/"),
    ],
)
def test_friendly_names_of_shut_down_models_never_resolve_silently(
    name: str, model_id: str, replacement: str
) -> None:
    with pytest.raises(ProviderError) as caught:
        resolve_model(name, on=FACTS_READ)
    assert caught.value.code == ProviderError.UNKNOWN_MODEL
    assert f"{name!r} means " in caught.value.message and model_id in caught.value.message
    assert f"; use {replacement}" in caught.value.message


def test_a_shutdown_takes_effect_on_its_date() -> None:
    # gpt-image-1.5 was deprecated on 2026-06-02 and shut down on 2026-12-01.
    assert resolve_model("openai/gpt-image-1.5", on=date(2026, 11, 30)).model_id == "gpt-image-1.5"
    assert catalog.lifecycle(ModelSpec("openai", "gpt-image-1.5"), date(2026, 11, 30)).status == (
        "legacy"
    )
    with pytest.raises(ProviderError):
        resolve_model("openai/gpt-image-1.5", on=date(2026, 12, 1))


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
    assert CHAT_MODELS == {
        "openai": "gpt-6-luna",
        "google": "gemini-3.6-flash",
        "bedrock": "amazon.nova-lite-v1:0",
    }
    assert chat_model("bedrock") == "amazon.nova-lite-v1:0"
    for provider in ("bfl", "stability", "recraft"):
        with pytest.raises(ProviderError) as caught:
            chat_model(provider)
        assert caught.value.code == ProviderError.NO_CHAT
        assert "PromptModelIndex" in caught.value.message


def test_importing_the_package_loads_neither_requests_nor_boto3() -> None:
    code = (
        "import sys; import pixelprompt.providers as p; p.resolve_model('Flux'); "
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


def _every_named_model() -> list[tuple[str, str, str]]:
    """(what names it, provider, model id) for every default, chat model and rule target."""
    named = []
    for provider in registry.REGISTRY:
        named.append(("default model", provider.id, provider.default_model))
        if provider.chat_model:
            named.append(("chat model", provider.id, provider.chat_model))
        for name in provider.known_names:
            spec = resolve_model(name, on=FACTS_READ)
            named.append((f"known name {name!r}", spec.provider, spec.model_id))
    return named


@pytest.mark.parametrize("day", [FACTS_READ, registry.today()], ids=["facts-read", "today"])
def test_every_default_chat_model_and_known_name_is_active(day: date) -> None:
    # On the day the facts were read, and on the day the suite runs: a failure on "today" means
    # a vendor date in lifecycle_tables has passed, and the defaults need a new model.
    for what, provider, model_id in _every_named_model():
        state = registry.get(provider).lifecycle(model_id, day)
        assert state.status == registry.ACTIVE, f"{provider} {what} {model_id} is {state.status}"


def test_every_rule_points_at_an_active_model_or_a_refused_one() -> None:
    # A rule may name a shut-down model (so that the name is refused with its replacement),
    # never a legacy one (it would resolve to a model about to go) nor one the table lacks.
    for rule in FRIENDLY_RULES:
        state = registry.get(rule.provider).lifecycle(rule.model_id, FACTS_READ)
        assert state.status in (registry.ACTIVE, registry.SHUT_DOWN), rule
        if state.status == registry.SHUT_DOWN:
            replacement = state.replacement or ""
            provider, _, model_id = replacement.partition("/")
            target = registry.get(provider).lifecycle(model_id, FACTS_READ)
            assert target.status == registry.ACTIVE, (rule, replacement)


def test_every_replacement_in_the_tables_is_itself_alive() -> None:
    for provider in registry.REGISTRY:
        for model in provider.models:
            if model.replacement:
                qualified = provider.qualified(model.replacement) or ""
                owner, _, model_id = qualified.partition("/")
                state = registry.get(owner).lifecycle(model_id, FACTS_READ)
                assert state.status == registry.ACTIVE, (model.id, qualified)


def test_catalog_tables_are_derived_from_the_registry() -> None:
    assert tuple(p.id for p in registry.REGISTRY) == PROVIDERS
    assert all(p.id in ACCEPTED_FORMS for p in registry.REGISTRY)
    assert {r.provider for r in FRIENDLY_RULES[:7]} == {"bedrock"}  # rules_first
    assert sum(len(p.rules) for p in registry.REGISTRY) == len(FRIENDLY_RULES)


def test_each_provider_refers_to_its_adapter_and_retry_rules() -> None:
    for provider in registry.REGISTRY:
        assert callable(provider.generate)
        policy = provider.retry_policy
        assert policy.attempts >= 1 and policy.resend is not None
    assert registry.get("bfl").retry_policy.wait_after_quiet_429 == 5.0
    assert callable(registry.get("openai").enhance) and callable(registry.get("google").classify)
