"""What one image costs, per provider and model id: the estimate the daily budget reserves.

Read on 2026-12-01 from the cited-facts files the project keeps (vendor pages and SDK sources,
quoted there with their own dates):
  /work/facts/openai_google_recraft.md  (OpenAI 1c, Google 2c, Recraft 3)
  /work/facts/bfl_stability_bedrock.md  (BFL "Price", Stability "Credits", Bedrock "Price")
`confirmed=False` marks a price no vendor page confirmed; those estimates are chosen at or above
the highest figure found, so the budget errs towards refusing rather than overspending.

The estimate is only reserved at admission. Where the provider reports what a request cost, the
adapter sets GeneratedImage.cost_usd and that measured figure replaces the estimate:
  BFL: the submit reply's `cost`, in credits (1 credit = $0.01);
  Recraft: the reply's `credits`, in API units (1,000 units = $1);
  OpenAI: the reply's `usage` tokens times the model's token prices below.
Pure Python (no requests/boto3): the Lambda imports it on its cold start and deploy.py may too.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

READ_ON = "2026-12-01"
BFL_CREDIT_USD = 0.01
RECRAFT_UNIT_USD = 0.001
# A model this table does not know (a new id, a test double): dearer than anything listed,
# so an unknown model can never make the budget overspend.
UNKNOWN_MODEL_USD = 0.25
# One /enhance chat call: a few hundred tokens. gpt-6-luna is $0.10 in / $0.50 out per 1M
# tokens (OpenAI model page); older chat models' prices were not confirmed, so 20x headroom.
CHAT_CALL_USD = 0.002


@dataclass(frozen=True)
class Price:
    usd: float  # one 1024x1024 (about 1 MP) image, default quality
    confirmed: bool  # False: no vendor page confirmed it; usd is a conservative estimate
    source: str


_OPENAI_PAGE = "developers.openai.com model pages"
_BFL_PRICING = "docs.bfl.ml/quick_start/pricing"
_BFL_SKILL = "black-forest-labs/skills bfl-api SKILL.md @d0793c84"
_RECRAFT = "recraft.ai/docs/api-reference/pricing"
_STABILITY = "third parties citing platform.stability.ai/pricing (puter.com, aicredits.dev)"

PRICES: Mapping[tuple[str, str], Price] = {
    # OpenAI: no vendor per-image table exists (token-priced); the reply's `usage` is measured.
    ("openai", "gpt-image-2"): Price(0.08, False, "fal.ai ~$0.07 at medium 1024^2; UNCONFIRMED"),
    ("openai", "gpt-image-2.6-sunburst"): Price(
        0.08, False, "3-4x gpt-image-2.5's 439 tokens at $30/1M (laozhang); UNCONFIRMED"
    ),
    ("openai", "gpt-image-2.6-flare"): Price(0.08, False, "as 2.6-sunburst; UNCONFIRMED"),
    ("openai", "gpt-image-2.5-sunburst"): Price(
        0.02, False, "439 tokens at 1024^2 medium ~$0.013 (sanand0/cellcog); UNCONFIRMED"
    ),
    ("openai", "gpt-image-2.5-flare"): Price(0.02, False, "as 2.5-sunburst; UNCONFIRMED"),
    # Black Forest Labs: credits at $0.01; the submit reply's `cost` is measured.
    ("bfl", "flux-pro-1.1"): Price(0.04, True, _BFL_PRICING),
    ("bfl", "flux-pro-1.1-ultra"): Price(0.06, True, _BFL_PRICING),
    ("bfl", "flux-kontext-pro"): Price(0.04, True, _BFL_PRICING),
    ("bfl", "flux-kontext-max"): Price(0.08, True, _BFL_PRICING),
    ("bfl", "flux-2-pro"): Price(0.03, True, _BFL_SKILL + " (3 c at 1 MP)"),
    ("bfl", "flux-2-max"): Price(0.07, True, _BFL_SKILL + " (7 c at 1 MP)"),
    ("bfl", "flux-2-flex"): Price(0.06, False, "5 c (skills) vs $0.06/MP (docs): the higher"),
    ("bfl", "flux-2-klein-4b"): Price(0.014, True, _BFL_SKILL),
    ("bfl", "flux-2-klein-9b"): Price(0.015, True, _BFL_SKILL),
    ("bfl", "flux-pro"): Price(0.05, False, "not on BFL's pricing page; UNCONFIRMED"),
    ("bfl", "flux-dev"): Price(0.05, False, "reseller quotes $0.025; UNCONFIRMED, doubled"),
    # Recraft: 1,000 units = $1; the reply's `credits` is measured.
    ("recraft", "recraftv4_1"): Price(0.035, True, _RECRAFT),
    ("recraft", "recraftv4_1_utility"): Price(0.035, True, _RECRAFT),
    ("recraft", "recraftv4_1_pro"): Price(0.21, True, _RECRAFT),
    ("recraft", "recraftv4_1_utility_pro"): Price(0.21, True, _RECRAFT),
    ("recraft", "recraftv4_1_flash"): Price(0.007, True, _RECRAFT),
    ("recraft", "recraftv4"): Price(0.04, True, _RECRAFT),
    ("recraft", "recraftv4_pro"): Price(0.25, True, _RECRAFT),
    ("recraft", "recraftv3"): Price(0.04, True, _RECRAFT),
    ("recraft", "recraftv2"): Price(0.022, True, _RECRAFT),
    # Stability AI: credits at $0.01, figures from third parties only; nothing is measured.
    ("stability", "ultra"): Price(0.08, False, _STABILITY + "; UNCONFIRMED"),
    ("stability", "sd3.5-large"): Price(0.065, False, _STABILITY + "; UNCONFIRMED"),
    ("stability", "sd3.5-large-turbo"): Price(0.04, False, _STABILITY + "; UNCONFIRMED"),
    ("stability", "sd3.5-medium"): Price(0.035, False, _STABILITY + "; UNCONFIRMED"),
    ("stability", "sd3.5-flash"): Price(0.035, False, "no price found; medium's; UNCONFIRMED"),
    ("stability", "core"): Price(0.03, False, _STABILITY + "; UNCONFIRMED"),
    # Google Gemini API: no vendor pricing page read; nothing is measured.
    ("google", "gemini-3.1-flash-image"): Price(
        0.07, False, "HeyPuter/puter PR #2562: ~$0.067 at 1024^2; UNCONFIRMED"
    ),
    ("google", "gemini-3.1-flash-image-preview"): Price(0.07, False, "as above; UNCONFIRMED"),
    ("google", "gemini-3-pro-image"): Price(
        0.16, False, "HeyPuter/puter PR #2562: ~$0.156 at 1024^2; UNCONFIRMED"
    ),
    ("google", "gemini-3-pro-image-preview"): Price(0.16, False, "as above; UNCONFIRMED"),
    ("google", "gemini-2.5-flash-image"): Price(0.07, False, "no figure found; UNCONFIRMED"),
    # Amazon Bedrock: aws.amazon.com/bedrock/pricing was not available; third parties only.
    ("bedrock", "amazon.nova-canvas-v1:0"): Price(
        0.08, False, "cloudroutehq range $0.008-$0.12; UNCONFIRMED"
    ),
    ("bedrock", "stability.stable-image-ultra-v1:1"): Price(
        0.08, False, "skills.volces.com ~$0.08; UNCONFIRMED"
    ),
    ("bedrock", "stability.sd3-5-large-v1:0"): Price(
        0.06, False, "skills.volces.com ~$0.06; UNCONFIRMED"
    ),
    ("bedrock", "stability.stable-image-core-v1:1"): Price(
        0.08, False, "no figure found; Ultra's; UNCONFIRMED"
    ),
}

# OpenAI image models' token prices, USD per 1M tokens (text in, image in, text out, image out).
OPENAI_TOKEN_PRICES: Mapping[str, tuple[float, float, float, float]] = {
    # Vendor model page (ja-JP / pt-BR copies); text output is not listed, gpt-image-2's used.
    "gpt-image-2.6-sunburst": (5.00, 8.00, 10.00, 30.00),
    # Third parties citing the OpenAI model page (xairouter, fal.ai): UNCONFIRMED.
    "gpt-image-2": (5.00, 8.00, 10.00, 30.00),
}


def price(provider: str, model_id: str) -> Price:
    """The listed price, else the dearest listed model of that provider, else UNKNOWN_MODEL_USD."""
    found = PRICES.get((provider, model_id))
    if found is not None:
        return found
    same = [p.usd for (prov, _), p in PRICES.items() if prov == provider]
    if same:
        return Price(max(same), False, f"{model_id} is not listed: {provider}'s dearest model")
    return Price(UNKNOWN_MODEL_USD, False, "provider not listed: a deliberately high estimate")


def estimate_usd(provider: str, model_id: str) -> float:
    return price(provider, model_id).usd


def bfl_cost(submit_reply: Mapping[str, Any]) -> float | None:
    """BFL's `cost` (credits for this request) in USD, or None when it is absent or odd."""
    return _scaled(submit_reply.get("cost"), BFL_CREDIT_USD)


def recraft_cost(reply: Mapping[str, Any]) -> float | None:
    """Recraft's `credits` (API units this request cost) in USD, or None."""
    return _scaled(reply.get("credits"), RECRAFT_UNIT_USD)


def openai_cost(model_id: str, reply: Mapping[str, Any]) -> float | None:
    """The reply's `usage` tokens times the model's token prices; None without both."""
    rates = OPENAI_TOKEN_PRICES.get(model_id)
    usage = reply.get("usage")
    if rates is None or not isinstance(usage, Mapping):
        return None
    text_in, image_in = _split(usage, "input_tokens", "input_tokens_details")
    text_out, image_out = _split(usage, "output_tokens", "output_tokens_details")
    if text_in is None or text_out is None:
        return None
    tokens = (text_in, image_in, text_out, image_out)
    return round(sum(n * rate for n, rate in zip(tokens, rates, strict=True)) / 1e6, 6)


def _split(usage: Mapping[str, Any], total: str, details: str) -> tuple[float | None, float]:
    """(text, image) tokens; without a breakdown every output token is an image token."""
    whole = _count(usage.get(total))
    if whole is None:
        return None, 0.0
    parts = usage.get(details)
    if isinstance(parts, Mapping):
        image = _count(parts.get("image_tokens")) or 0.0
        text = _count(parts.get("text_tokens"))
        return (whole - image if text is None else text), image
    return (0.0, whole) if total == "output_tokens" else (whole, 0.0)


def _count(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        return None
    return float(value)


def _scaled(value: Any, unit_usd: float) -> float | None:
    amount = _count(value)
    return None if amount is None else round(amount * unit_usd, 6)
