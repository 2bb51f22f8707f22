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


class ResourceType:
    """The static half of moto's CloudFormationModel, declared instead of written out.

    Mixed in before CloudFormationModel (moto discovers models only among its direct
    subclasses): a type sets `cfn_type`, its name property (if any), the GetAtt names it
    answers, and returns their values from `getatt_values`.
    """

    cfn_type: str = ""
    cfn_name_type: str = ""  # the property that names the resource, e.g. "AlarmName"
    getatt_names: frozenset[str] = frozenset()
    # A factory whose stack resource is moto's own model answers GetAtt through that model.
    getatt_from: Any = None

    @classmethod
    def cloudformation_name_type(cls) -> str:
        return cls.cfn_name_type

    @classmethod
    def cloudformation_type(cls) -> str:
        return cls.cfn_type

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        if cls.getatt_from is not None:
            return bool(cls.getatt_from.has_cfn_attr(attr))
        return attr in cls.getatt_names

    def getatt_values(self) -> dict[str, Any]:
        return {}

    def get_cfn_attribute(self, attribute_name: str) -> Any:
        return attribute(self.getatt_values(), attribute_name)
