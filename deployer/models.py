"""The model-name table, borrowed from the handler so deploy time and run time agree."""

from __future__ import annotations

import importlib
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

HANDLER_DIR = Path(__file__).resolve().parent.parent / "handler"


@dataclass(frozen=True)
class ResolvedModel:
    provider: str
    model_id: str
    needs_key: bool
    chat_model_id: str | None = None  # what /enhance calls when this model is the prompt model


def handler_module(name: str) -> Any:
    """A module of the handler package (pixelprompt.*), with handler/ put on sys.path."""
    if str(HANDLER_DIR) not in sys.path:
        sys.path.insert(0, str(HANDLER_DIR))
    return importlib.import_module(name)


class UnknownModel(LookupError):
    """The name is not in the table; the message says why (from the catalog)."""


class ModelCatalog(Protocol):
    def resolve(self, name: str) -> ResolvedModel: ...


class HandlerCatalog:
    """`pixelprompt.providers.resolve_model` / `catalog.needs_key`, imported from handler/."""

    def __init__(self) -> None:
        if str(HANDLER_DIR) not in sys.path:
            sys.path.insert(0, str(HANDLER_DIR))
        from pixelprompt.providers import resolve_model
        from pixelprompt.providers.base import ProviderError
        from pixelprompt.providers.catalog import CHAT_MODELS, needs_key

        self._resolve = resolve_model
        self._needs_key = needs_key
        self._error = ProviderError
        self._chat_models = CHAT_MODELS

    def resolve(self, name: str) -> ResolvedModel:
        try:
            spec = self._resolve(name)
        except self._error as exc:
            raise UnknownModel(exc.message) from exc
        return ResolvedModel(
            spec.provider,
            spec.model_id,
            bool(self._needs_key(spec.provider)),
            self._chat_models.get(spec.provider),
        )
