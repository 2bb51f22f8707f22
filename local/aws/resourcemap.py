"""Questions asked of moto's ResourceMap, and the planner wired into its updates.

``build_resource_diff`` is what moto's ``ResourceMap.update`` uses to decide what to add, modify
and remove; replacing it with ``localaws.plan`` makes executions do what change sets announce.

moto lists a stack's resources by indexing its lazy ResourceMap, which *creates* any resource
not currently held: listing a rolled-back or deleted stack brought its resources back, and a
resource whose Condition is false showed up as an empty row. Listing here only reads.
"""

from __future__ import annotations

from typing import Any

from moto.cloudformation import parsing
from moto.cloudformation.models import Stack

from local.aws.plan import plan


def active_resources(
    template: dict[str, Any],
    parameters: dict[str, Any],
    stack: Stack | parsing.ResourceMap,
    account_id: str,
    region_name: str,
    exports: dict[str, Any] | None,
) -> set[str]:
    """Resources of ``template`` whose Condition holds with ``parameters``; validates both."""
    if isinstance(stack, Stack):
        stack_id, stack_name = stack.stack_id, stack.name
    else:
        stack_id, stack_name = stack.stack_id, str(stack["AWS::StackName"])
    loaded = parsing.ResourceMap(
        stack_id,
        stack_name,
        parameters,
        {},
        region_name=region_name,
        account_id=account_id,
        template=template,
        cross_stack_resources=exports,
    )
    loaded.load()
    return {
        name
        for name, resource in (template.get("Resources") or {}).items()
        if "Condition" not in resource or loaded.lazy_condition_map[resource["Condition"]]
    }


def existing(resource_map: parsing.ResourceMap) -> set[str]:
    parsed = resource_map._parsed_resources
    return {n for n in resource_map._resource_json_map if parsed.get(n) is not None}


def _build_resource_diff(
    self: parsing.ResourceMap,
    other_template: dict[str, Any],
    parameters: dict[str, Any] | None = None,
) -> dict[str, list[str]]:
    new_parameters = self.input_parameters if parameters is None else parameters
    new_active = active_resources(
        other_template,
        new_parameters,
        self,
        self._account_id,
        self._region_name,
        self.cross_stack_resources,
    )
    changes = plan(
        self._template,
        self.input_parameters,
        other_template,
        new_parameters,
        old_active=existing(self),
        new_active=new_active,
    )
    diff: dict[str, list[str]] = {"Add": [], "Modify": [], "Remove": []}
    for change in changes:
        diff[change.action].append(change.logical_id)
    return diff


def _stack_resources(self: Stack) -> list[Any]:
    return [self.resource_map._parsed_resources[n] for n in sorted(existing(self.resource_map))]


def install() -> None:
    parsing.ResourceMap.build_resource_diff = _build_resource_diff  # type: ignore[method-assign]
    Stack.stack_resources = property(_stack_resources)  # type: ignore[assignment,method-assign]
