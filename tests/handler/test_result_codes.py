"""One list of per-model error codes: the handler's, openapi.json's and the docs' are the same,
and every error the worker can write uses one of them."""

from __future__ import annotations

import json
import re
from pathlib import Path

from pixelprompt import resultcodes
from pixelprompt.providers.base import ProviderError

ROOT = Path(__file__).resolve().parents[2]


def test_openapi_lists_exactly_the_codes() -> None:
    spec = json.loads((ROOT / "openapi.json").read_text())
    assert spec["components"]["schemas"]["ErrorCode"]["enum"] == list(resultcodes.SENTENCES)


def test_the_architecture_doc_lists_exactly_the_codes() -> None:
    doc = (ROOT / "docs" / "ARCHITECTURE.md").read_text()
    section = doc.split("## Per-model error codes", 1)[1]
    assert re.findall(r"^\| `([A-Z_]+)` \|", section, re.M) == list(resultcodes.SENTENCES)


def test_every_provider_code_used_in_results_is_listed() -> None:
    codes = {v for k, v in vars(ProviderError).items() if k.isupper() and isinstance(v, str)}
    assert codes - {"NO_CHAT"} <= set(resultcodes.SENTENCES)  # NO_CHAT is /enhance's only


def test_an_unknown_code_becomes_the_generic_one_with_its_sentence() -> None:
    assert resultcodes.error("SOMETHING_NEW") == {
        "status": "error",
        "errorCode": "UPSTREAM",
        "error": resultcodes.SENTENCES["UPSTREAM"],
    }
