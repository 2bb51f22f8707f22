"""Which models the simulator serves: the registry's lifecycle table, never a copied list.

An id the table does not hold, or holds as shut down today, gets that provider's real "no such
model" answer, so a retired id fails locally exactly as it would against the vendor.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

HANDLER_DIR = Path(__file__).resolve().parents[2] / "handler"


def registry() -> Any:
    """pixelprompt.providers.registry (handler/ is put on sys.path when run on its own)."""
    try:
        from pixelprompt.providers import registry as found
    except ImportError:
        sys.path.insert(0, str(HANDLER_DIR))
        from pixelprompt.providers import registry as found
    return found


def state(provider_id: str, model_id: str) -> str:
    """ "active" / "legacy" (both answer), "shut down", or "unknown"."""
    provider = registry().get(provider_id)
    if provider is None:
        return "unknown"
    if provider.model(model_id) is None or provider.model(model_id).id != model_id:
        return "unknown"  # vendors' ids are case-sensitive
    return provider.lifecycle(model_id).status


def alive(provider_id: str, model_id: str) -> bool:
    return state(provider_id, model_id) in ("active", "legacy")


def shutdown_date(provider_id: str, model_id: str) -> str | None:
    provider = registry().get(provider_id)
    model = provider.model(model_id) if provider else None
    return model.shutdown_on if model else None


def base_paths() -> dict[str, tuple[str, str]]:
    """provider id -> (base-URL variable, path of its default base), from the registry."""
    from urllib.parse import urlsplit

    return {
        p.id: (p.base_url_env, urlsplit(p.default_base).path.rstrip("/"))
        for p in registry().REGISTRY
    }


def lookup_envs() -> dict[str, str]:
    """provider id -> the variable its model lookup reads, when it is not the base URL."""
    return {p.id: p.lookup_env for p in registry().REGISTRY if p.lookup_env}
