"""The price table and the measured cost each adapter reports from its provider's reply."""

from __future__ import annotations

import pytest
from pixelprompt.providers import prices

from local.simulator import ProviderSimulator
from tests.providers.helpers import CASES, run


def test_every_listed_price_is_positive_and_cites_a_source() -> None:
    for (provider, model_id), price in prices.PRICES.items():
        assert 0 < price.usd < 1, (provider, model_id)
        assert price.source.strip(), (provider, model_id)
        if not price.confirmed:  # an estimate must say it is one
            assert (
                "UNCONFIRMED" in price.source or "higher" in price.source or "not" in price.source
            )


def test_an_unlisted_model_costs_its_providers_dearest_and_an_unknown_provider_more() -> None:
    dearest_bfl = max(p.usd for (prov, _), p in prices.PRICES.items() if prov == "bfl")
    assert prices.estimate_usd("bfl", "flux-9-hyper") == dearest_bfl
    assert prices.estimate_usd("nobody", "x") == prices.UNKNOWN_MODEL_USD
    assert max(p.usd for p in prices.PRICES.values()) <= prices.UNKNOWN_MODEL_USD


def test_openai_usage_is_priced_per_token_kind() -> None:
    reply = {
        "usage": {
            "input_tokens": 50,
            "input_tokens_details": {"text_tokens": 40, "image_tokens": 10},
            "output_tokens": 1000,
            "output_tokens_details": {"text_tokens": 0, "image_tokens": 1000},
        }
    }
    # 40 x $5 + 10 x $8 + 0 x $10 + 1000 x $30, per million tokens
    assert prices.openai_cost("gpt-image-2", reply) == pytest.approx(0.03028)
    assert prices.openai_cost("gpt-image-2", {}) is None
    assert prices.openai_cost("no-such-model", reply) is None


@pytest.mark.parametrize("value", [None, "4", -1, True])
def test_odd_reported_costs_are_not_measurements(value: object) -> None:
    assert prices.bfl_cost({"cost": value}) is None
    assert prices.recraft_cost({"credits": value}) is None


def test_bfl_reports_its_submit_cost_in_credits(sim: ProviderSimulator) -> None:
    image = run(CASES["bfl"])
    assert image.cost_usd == pytest.approx(0.04)  # the simulator's `cost` of 4 credits


def test_recraft_reports_its_credits_in_units(sim: ProviderSimulator) -> None:
    image = run(CASES["recraft"])
    assert image.cost_usd == pytest.approx(0.04)  # the simulator's 40 units


def test_openai_reports_its_usage(sim: ProviderSimulator) -> None:
    image = run(CASES["openai"])
    assert image.cost_usd is not None and 0.05 < image.cost_usd < 0.2


@pytest.mark.parametrize("provider", ["stability", "google", "bedrock"])
def test_providers_that_report_no_cost_leave_it_unmeasured(
    sim: ProviderSimulator, provider: str
) -> None:
    assert run(CASES[provider]).cost_usd is None
