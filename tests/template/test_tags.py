"""Project, Environment and ManagedBy on every resource whose type takes tags."""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache

import troposphere
from troposphere import AWSObject

EXPECTED = {
    "Project": "pixel-prompt-complete",
    "Environment": {"Ref": "Environment"},
    "ManagedBy": "cloudformation",
}


@cache
def taggable_types() -> frozenset[str]:
    """Resource types whose troposphere class declares a Tags property."""
    for mod in pkgutil.iter_modules(troposphere.__path__):
        if not mod.name.startswith(("validators", "utils", "template_generator")):
            importlib.import_module(f"troposphere.{mod.name}")
    found, stack = set(), list(AWSObject.__subclasses__())
    while stack:
        cls = stack.pop()
        stack.extend(cls.__subclasses__())
        if getattr(cls, "resource_type", None) and "Tags" in cls.props:
            found.add(cls.resource_type)
    return frozenset(found)


def _tags(resource: dict) -> dict:
    tags = resource["Properties"].get("Tags", {})
    return {t["Key"]: t["Value"] for t in tags} if isinstance(tags, list) else tags


def test_every_taggable_resource_carries_the_three_tags(resources) -> None:
    taggable = {n: r for n, r in resources.items() if r["Type"] in taggable_types()}
    assert len(taggable) >= 9  # bucket, distribution, queue, 2 log groups, role, function, ...
    for name, resource in taggable.items():
        assert _tags(resource) == EXPECTED, name


def test_http_api_and_stage_take_tags_as_a_map(resources) -> None:
    for resource in resources.values():
        if resource["Type"] in ("AWS::ApiGatewayV2::Api", "AWS::ApiGatewayV2::Stage"):
            assert resource["Properties"]["Tags"] == EXPECTED
