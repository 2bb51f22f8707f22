"""What each model of a job costs, as /status shows it: {"usd": 0.04, "measured": true}.

At admission every model carries the price table's estimate (measured=false); when the model
finishes, its cost becomes what the provider reported (measured=true), or stays the estimate
where the provider reports nothing. A refusal the provider does not bill (a bad key, a missing
key, an unknown model, a 429) costs 0.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from pixelprompt.providers.base import ProviderError
from pixelprompt.providers.prices import estimate_usd

# Refused before the provider did any work: not billed.
NOT_BILLED = frozenset(
    {
        ProviderError.UNKNOWN_MODEL,
        ProviderError.MISSING_KEY,
        ProviderError.AUTH,
        ProviderError.RATE_LIMITED,
        ProviderError.NO_CHAT,
    }
)


def cost(usd: float, measured: bool) -> dict[str, Any]:
    return {"usd": round(max(0.0, usd), 6), "measured": measured}


def estimate(provider: str | None, model_id: str | None) -> float:
    """The estimate for a resolved model; 0 for a name nothing serves (it is never called)."""
    if provider is None or model_id is None:
        return 0.0
    return estimate_usd(provider, model_id)


def of_image(measured_usd: float | None, estimate_usd_: float) -> dict[str, Any]:
    if measured_usd is None:
        return cost(estimate_usd_, False)
    return cost(measured_usd, True)


def of_error(error_code: str | None, estimate_usd_: float) -> dict[str, Any]:
    """A failed model: nothing when the provider refused at the door, else the estimate."""
    if error_code in NOT_BILLED:
        return cost(0.0, True)
    return cost(estimate_usd_, False)


def total(results: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """The job's cost: the sum of its results' costs; measured only when every part is."""
    parts = [r.get("cost") for r in results]
    known = [p for p in parts if isinstance(p, Mapping)]
    usd = sum(float(p.get("usd") or 0) for p in known)
    measured = bool(parts) and len(known) == len(parts) and all(p.get("measured") for p in known)
    return cost(usd, measured)
