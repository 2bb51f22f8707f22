"""The registry's key checks and model lookups, against the simulator (never a real vendor)."""

from __future__ import annotations

from datetime import UTC, datetime

import boto3
import pytest
from pixelprompt.providers import probes, registry

from local.simulator import ProviderSimulator

SECRET = "sk-probe-SECRET-0123456789"


def _context(sim: ProviderSimulator) -> probes.Context:
    session = boto3.session.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1"
    )
    return probes.Context(env=sim.env(), aws_session=session, region="us-east-1")


@pytest.mark.parametrize(
    ("provider", "model", "expected"),
    [
        ("openai", "gpt-image-2", (True, "active")),
        ("openai", "gpt-4.1-mini", (True, "legacy")),
        ("openai", "dall-e-3", (True, "missing")),
        ("google", "gemini-3-pro-image", (True, "active")),
        ("google", "gemini-2.5-flash-image", (True, "missing")),
        ("bfl", "flux-pro-1.1", (True, None)),  # BFL has no model lookup
        ("stability", "sd3.5-large", (True, None)),
        ("recraft", "recraftv4_1", (True, None)),
        ("bedrock", "stability.sd3-5-large-v1:0", (None, "active")),
        ("bedrock", "amazon.nova-canvas-v1:0", (None, "missing")),
        ("bedrock", "us.amazon.nova-lite-v1:0", (None, "active")),
    ],
)
def test_each_provider_answers_its_lookup(sim, provider: str, model: str, expected) -> None:
    probe = registry.get(provider).check(model, SECRET, 5.0, _context(sim))
    assert probe.reached, probe
    assert (probe.key, probe.model) == expected
    assert SECRET not in repr(probe)


def test_openai_reports_the_shutdown_date_it_announced(sim) -> None:
    probe = registry.get("openai").check("gpt-4.1-mini", SECRET, 5.0, _context(sim))
    assert probe.shutdown_on == "2027-01-14"


@pytest.mark.parametrize("provider", ["openai", "google", "bfl", "stability", "recraft"])
def test_a_revoked_key_is_refused(sim, provider: str) -> None:
    sim.set_fault(provider, "revoked")
    model = registry.get(provider).default_model
    probe = registry.get(provider).check(model, SECRET, 5.0, _context(sim))
    assert probe.key is False and "refused the key" in probe.detail


def test_a_server_error_is_not_verified_rather_than_a_verdict(sim) -> None:
    sim.set_fault("google", "500")
    probe = registry.get("google").check("gemini-3-pro-image", SECRET, 5.0, _context(sim))
    assert (probe.key, probe.reached) == (None, False)


def test_bedrock_legacy_and_profile_only_models_say_so() -> None:
    details = {
        "providerName": "Stability AI",
        "inferenceTypesSupported": ["PROVISIONED"],
        "modelLifecycle": {"status": "LEGACY", "endOfLifeTime": datetime(2027, 3, 1, tzinfo=UTC)},
    }
    probe = probes._bedrock_details(details, "stability.sd3-5-large-v1:0")
    assert (probe.model, probe.shutdown_on) == ("legacy", "2027-03-01")
    assert "inference profile" in probe.needs and "Marketplace" in probe.needs
