"""The generated template, parsed once per session."""

from __future__ import annotations

import json
from typing import Any

import pytest

from infra.template import template_json


@pytest.fixture(scope="session")
def doc() -> dict[str, Any]:
    return json.loads(template_json())


@pytest.fixture(scope="session")
def resources(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return doc["Resources"]
