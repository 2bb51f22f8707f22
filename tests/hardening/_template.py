"""The generated CloudFormation template, as the tests of this folder see it."""

from __future__ import annotations

import json
from typing import Any


def template() -> dict[str, Any]:
    """infra.template's JSON, parsed (template_json() may hand back text or a dict)."""
    from infra.template import template_json

    built = template_json()
    return json.loads(built) if isinstance(built, str | bytes) else built


def route_keys(doc: dict[str, Any]) -> set[str]:
    """Every API Gateway v2 RouteKey in the template, e.g. "POST /generate"."""
    return {
        res["Properties"]["RouteKey"]
        for res in doc["Resources"].values()
        if res["Type"] == "AWS::ApiGatewayV2::Route"
    }
