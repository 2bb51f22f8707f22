"""Small helpers shared by the CloudFormation resource models."""

from __future__ import annotations

from typing import Any

from moto.cloudformation.exceptions import UnformattedGetAttTemplateException


def tag_dict(tags: Any) -> dict[str, str]:
    """Template tags are ``[{Key, Value}]`` (most types) or a plain map (API Gateway v2)."""
    if not tags:
        return {}
    if isinstance(tags, dict):
        return {str(k): str(v) for k, v in tags.items()}
    return {str(t["Key"]): str(t.get("Value", "")) for t in tags}


def tag_list(tags: Any) -> list[dict[str, str]]:
    return [{"Key": k, "Value": v} for k, v in tag_dict(tags).items()]


def properties(cloudformation_json: dict[str, Any]) -> dict[str, Any]:
    return cloudformation_json.get("Properties") or {}


def attribute(values: dict[str, Any], name: str) -> Any:
    """Look up a GetAtt value; unknown names fail the way moto reports template errors."""
    if name not in values:
        raise UnformattedGetAttTemplateException()
    return values[name]
