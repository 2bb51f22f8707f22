"""Executing change sets and deleting stacks as CloudFormation does.

Stock moto's ``execute_change_set`` never rebuilds the stack's output map (a stack created through
a change set has no Outputs, an updated one keeps stale values) and leaves the stack's parsed
template, parameters and exports behind. A resource failing during execution or deletion
surfaces as an HTTP 500 and leaves the stack ``*_IN_PROGRESS``; a deleted stack vanishes even when
its resources could not be deleted. Here the stack follows the executed change set, and a failure
becomes the resource's ``*_FAILED`` event with its reason, then ``ROLLBACK_COMPLETE`` (created
resources removed), ``UPDATE_ROLLBACK_COMPLETE`` (previous template and parameters re-applied) or
``DELETE_FAILED`` (retryable).
"""

from __future__ import annotations

from typing import Any

from moto.cloudformation import parsing
from moto.cloudformation.exceptions import CloudFormationError, ValidationError
from moto.cloudformation.models import ChangeSet, CloudFormationBackend, Stack
from moto.cloudformation.responses import CloudFormationResponse
from moto.core.responses import EmptyResult
from moto.core.utils import utcnow

from local.aws import events
from local.aws.resourcemap import active_resources, existing


class InvalidChangeSetStatus(CloudFormationError):
    code = "InvalidChangeSetStatus"


def _find_change_set(
    backend: CloudFormationBackend, name: str, stack_name: str | None
) -> ChangeSet:
    if name in backend.change_sets:
        return backend.change_sets[name]
    for change_set in backend.change_sets.values():
        if change_set.change_set_name == name and stack_name in (
            None,
            change_set.stack_name,
            change_set.stack_id,
        ):
            return change_set
    raise ValidationError(message=f"ChangeSet [{name}] does not exist")


def _refresh_exports(backend: CloudFormationBackend, stack: Stack) -> None:
    for name in [n for n, e in backend.exports.items() if e.exporting_stack_id == stack.stack_id]:
        backend.exports.pop(name)
    backend._validate_export_uniqueness(stack)
    for export in stack.exports:
        backend.exports[export.name] = export


def _adopt(stack: Stack, change_set: ChangeSet) -> None:
    """The stack now describes what the change set deployed."""
    stack.template = change_set.template
    stack._parse_template()
    stack.description = stack.template_dict.get("Description")
    stack.parameters = dict(change_set.parameters)
    if change_set.tags:
        stack.tags = dict(change_set.tags)
    stack.output_map = stack._create_output_map()
    _ = stack.outputs  # resolve now, so that a bad output fails the operation, not a describe


def _execute_create(backend: CloudFormationBackend, stack: Stack, change_set: ChangeSet) -> bool:
    stack._add_stack_event("CREATE_IN_PROGRESS", resource_status_reason="User Initiated")
    stack.status = "CREATE_IN_PROGRESS"
    stack.template = change_set.template
    stack._parse_template()
    stack.parameters = dict(change_set.parameters)
    stack.tags = dict(change_set.tags or stack.tags or {})
    stack.cross_stack_resources = backend.exports
    try:
        stack.resource_map = stack._create_resource_map()
        stack.resource_map.create(stack.template_dict)
        _adopt(stack, change_set)
        _refresh_exports(backend, stack)
    except Exception as exc:
        summary = events.record_failures() or _message(exc)
        _fail(stack, "ROLLBACK_IN_PROGRESS", f"{summary} Rollback requested by user.")
        try:
            stack.resource_map.delete()
        except Exception as cleanup:
            events.record_failures()
            _fail(stack, "ROLLBACK_FAILED", _message(cleanup))
            return False
        stack.status = "ROLLBACK_COMPLETE"
        stack._add_stack_event("ROLLBACK_COMPLETE")
        return False
    stack.status = "CREATE_COMPLETE"
    stack._add_stack_event("CREATE_COMPLETE")
    return True


def _execute_update(backend: CloudFormationBackend, stack: Stack, change_set: ChangeSet) -> bool:
    previous_template, previous_parameters = stack.template_dict, dict(stack.parameters or {})
    stack._add_stack_event("UPDATE_IN_PROGRESS", resource_status_reason="User Initiated")
    stack.status = "UPDATE_IN_PROGRESS"
    # DescribeStacks answers LastUpdatedTime once a stack has been updated (moto never sets it).
    stack.last_updated_time = utcnow()
    try:
        _update_resources(stack.resource_map, change_set.template_dict, change_set.parameters)
        _adopt(stack, change_set)
        _refresh_exports(backend, stack)
    except Exception as exc:
        summary = events.record_failures() or _message(exc)
        _fail(stack, "UPDATE_ROLLBACK_IN_PROGRESS", summary)
        try:
            _update_resources(stack.resource_map, previous_template, previous_parameters)
            stack.output_map = stack._create_output_map()
            _ = stack.outputs  # resolved while the resources exist (see _NoOutputs)
        except Exception as rollback:
            events.record_failures()
            _fail(stack, "UPDATE_ROLLBACK_FAILED", _message(rollback))
            return False
        stack.status = "UPDATE_ROLLBACK_COMPLETE"
        stack._add_stack_event("UPDATE_ROLLBACK_COMPLETE")
        return False
    stack.status = "UPDATE_COMPLETE"
    stack._add_stack_event("UPDATE_COMPLETE")
    return True


def _update_resources(
    resource_map: parsing.ResourceMap, template: dict[str, Any], parameters: dict[str, Any]
) -> None:
    before = existing(resource_map)
    resource_map.update(template, parameters)
    # moto keeps deleted resources (removed, or whose Condition turned false) in its map, so a
    # later update would find them "existing" and never create them again.
    after = active_resources(
        template,
        parameters,
        resource_map,
        resource_map._account_id,
        resource_map._region_name,
        resource_map.cross_stack_resources,
    )
    for name in before - after:
        resource_map._parsed_resources.pop(name, None)


def _execute_change_set(
    self: CloudFormationBackend,
    change_set_name: str,
    stack_name: str | None = None,
    client_request_token: str | None = None,
) -> None:
    change_set = _find_change_set(self, change_set_name, stack_name)
    if change_set.status != "CREATE_COMPLETE" or change_set.execution_status != "AVAILABLE":
        raise InvalidChangeSetStatus(
            f"ChangeSet [{change_set.change_set_id}] cannot be executed in its current status "
            f"of [{change_set.status}]"
        )
    stack = self.stacks[change_set.stack_id]
    change_set.execution_status = "EXECUTE_IN_PROGRESS"
    with events.operation(stack, client_request_token):
        if change_set.change_set_type == "CREATE":
            ok = _execute_create(self, stack, change_set)
        else:
            ok = _execute_update(self, stack, change_set)
    change_set.execution_status = "EXECUTE_COMPLETE" if ok else "EXECUTE_FAILED"
    # AWS drops every other change set of the stack: they describe a stack that no longer exists.
    for other_id, other in list(self.change_sets.items()):
        if other.stack_id == stack.stack_id and other is not change_set:
            del self.change_sets[other_id]


def _delete_stack(
    self: CloudFormationBackend, name_or_stack_id: str, client_request_token: str | None = None
) -> None:
    stack = self.stacks.get(name_or_stack_id) or next(
        (s for s in self.stacks.values() if s.name == name_or_stack_id), None
    )
    if stack is None:
        return  # deleting a stack that does not exist succeeds on AWS
    with events.operation(stack, client_request_token):
        stack._add_stack_event("DELETE_IN_PROGRESS", resource_status_reason="User Initiated")
        stack.status = "DELETE_IN_PROGRESS"
        for logical_id, resource in stack.resource_map._resource_json_map.items():
            parsed = stack.resource_map._parsed_resources.get(logical_id)
            if resource.get("DeletionPolicy") == "Retain" and parsed is not None:
                physical = str(getattr(parsed, "physical_resource_id", ""))
                events.resource_event(logical_id, resource["Type"], physical, "DELETE_SKIPPED")
        try:
            stack.resource_map.delete()
        except Exception as exc:
            summary = events.record_failures() or _message(exc)
            _fail(stack, "DELETE_FAILED", summary)
            return
        stack.status = "DELETE_COMPLETE"
        stack._add_stack_event("DELETE_COMPLETE")
        stack.output_map = _NoOutputs()
    self.stacks.pop(stack.stack_id)
    self.deleted_stacks[stack.stack_id] = stack
    for name in [n for n, e in self.exports.items() if e.exporting_stack_id == stack.stack_id]:
        self.exports.pop(name)
    for cs_id in [i for i, cs in self.change_sets.items() if cs.stack_id == stack.stack_id]:
        del self.change_sets[cs_id]


class _NoOutputs(dict[str, Any]):
    """A deleted stack's outputs. moto resolves outputs lazily through its ResourceMap, whose
    lookups create missing resources, so describing a deleted stack could bring them back."""

    exports: list[Any] = []


def _message(exc: Exception) -> str:
    return str(getattr(exc, "message", None) or exc or type(exc).__name__)


def _fail(stack: Stack, status: str, reason: str) -> None:
    stack.status = status
    stack.stack_status_reason = reason  # type: ignore[attr-defined]
    stack._add_stack_event(status, resource_status_reason=reason)


def _execute_change_set_response(self: CloudFormationResponse) -> EmptyResult:
    self.cloudformation_backend.execute_change_set(
        change_set_name=self._get_param("ChangeSetName"),
        stack_name=self._get_param("StackName"),
        client_request_token=self._get_param("ClientRequestToken"),
    )
    return EmptyResult()


def _delete_stack_response(self: CloudFormationResponse) -> EmptyResult:
    self.cloudformation_backend.delete_stack(
        self._get_param("StackName"), client_request_token=self._get_param("ClientRequestToken")
    )
    return EmptyResult()


def install() -> None:
    CloudFormationBackend.execute_change_set = _execute_change_set  # type: ignore[method-assign]
    CloudFormationBackend.delete_stack = _delete_stack  # type: ignore[method-assign]
    CloudFormationResponse.execute_change_set = _execute_change_set_response  # type: ignore[method-assign]
    CloudFormationResponse.delete_stack = _delete_stack_response  # type: ignore[method-assign]
