"""Change sets and stack operations as CloudFormation runs them, replacing moto's shortcuts.

What stock moto 5.2.5 gets wrong on this path, and what is done here instead:

* ``execute_change_set`` never rebuilds the stack's output map, so a stack created through a
  change set has no Outputs (and an updated one keeps stale values); it also leaves the stack's
  parsed template, parameters and exports as they were. Here all of them follow the executed
  change set.
* ``describe_change_set`` ignores parameter changes (a parameter-only update shows no changes and
  its execution may update nothing) and reports no ``Replacement``/``Scope``/``Details``. The
  planner in ``localaws.plan`` decides both the change set's Changes and what execution updates.
* ``create_change_set`` raises "No updates are to be performed" instead of creating a FAILED
  change set with AWS's "didn't contain changes" reason, compares parameters without their
  defaults, resolves ``UsePreviousValue`` to parsed values (a CommaDelimitedList then breaks),
  lets a CREATE change set duplicate an existing stack, skips unsupported resource types silently
  and validates parameters only at execution.
* A resource failing during execution or deletion surfaces as an HTTP 500 and leaves the stack
  ``*_IN_PROGRESS``. Here it becomes a ``CREATE_FAILED``/``UPDATE_FAILED``/``DELETE_FAILED`` event
  with the reason, then ``ROLLBACK_COMPLETE`` (created resources removed),
  ``UPDATE_ROLLBACK_COMPLETE`` (previous template and parameters re-applied) or ``DELETE_FAILED``.
* NoEcho parameter values are shown in DescribeStacks/DescribeChangeSet; AWS shows ``****``.
"""

from __future__ import annotations

from typing import Any

from moto.cloudformation import parsing, responses
from moto.cloudformation.exceptions import (
    AlreadyExistsException,
    CloudFormationError,
    ValidationError,
)
from moto.cloudformation.models import (
    Change,
    ChangeSet,
    CloudFormationBackend,
    Stack,
)
from moto.cloudformation.responses import CloudFormationResponse
from moto.cloudformation.utils import (
    generate_changeset_id,
    generate_stack_id,
    validate_create_change_set,
)
from moto.core.responses import ActionResult, EmptyResult

from localaws import events
from localaws.plan import effective_parameters, plan

NO_CHANGES = (
    "The submitted information didn't contain changes. "
    "Submit different information to create a change set."
)


TEMPLATE_BODY_LIMIT = 51_200  # bytes; larger templates must come from S3 (TemplateURL)


class InvalidChangeSetStatus(CloudFormationError):
    code = "InvalidChangeSetStatus"


# --- planning ------------------------------------------------------------------------------------


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


def _existing(resource_map: parsing.ResourceMap) -> set[str]:
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
        old_active=_existing(self),
        new_active=new_active,
    )
    diff: dict[str, list[str]] = {"Add": [], "Modify": [], "Remove": []}
    for change in changes:
        diff[change.action].append(change.logical_id)
    return diff


def _change_set_diff(self: ChangeSet) -> list[Change]:
    stack = self.stack
    deployed = stack.template_dict if stack.status != "REVIEW_IN_PROGRESS" else {}
    parsed = stack.resource_map._parsed_resources
    new_active = active_resources(
        self.template_dict,
        self.parameters,
        stack,
        stack.account_id,
        stack.region_name,
        stack.cross_stack_resources,
    )
    planned_changes = plan(
        deployed,
        stack.parameters or {},
        self.template_dict,
        self.parameters,
        old_active=_existing(stack.resource_map),
        new_active=new_active,
    )
    out = []
    for planned in planned_changes:
        change = Change(planned.action, planned.logical_id, planned.resource_type)
        current = parsed.get(planned.logical_id) if planned.action != "Add" else None
        change.physical_resource_id = getattr(current, "physical_resource_id", None)  # type: ignore[attr-defined]
        change.replacement = planned.replacement  # type: ignore[attr-defined]
        change.scope = planned.scope  # type: ignore[attr-defined]
        change.details = planned.details  # type: ignore[attr-defined]
        out.append(change)
    return out


# --- parameters shown as AWS shows them -----------------------------------------------------------


def _masked(template: dict[str, Any], values: dict[str, Any]) -> list[dict[str, Any]]:
    specs = template.get("Parameters") or {}
    out = []
    for key, value in values.items():
        shown = "****" if specs.get(key, {}).get("NoEcho") in (True, "true", "True") else value
        if isinstance(shown, list):
            shown = ",".join(str(v) for v in shown)
        out.append({"ParameterKey": key, "ParameterValue": str(shown)})
    return out


def _stack_parameter_list(self: Stack) -> list[dict[str, Any]]:
    return _masked(self.template_dict, self.resource_map.resolved_parameters)


def _change_set_parameter_list(self: ChangeSet) -> list[dict[str, Any]]:
    return _masked(self.template_dict, effective_parameters(self.template_dict, self.parameters))


# --- create_change_set ---------------------------------------------------------------------------


def _validate(
    backend: CloudFormationBackend, stack: Stack, template: dict[str, Any], params: dict[str, Any]
) -> None:
    """What CreateChangeSet checks synchronously on AWS: resource types, parameters, outputs."""
    unknown = sorted(
        {
            r.get("Type", "")
            for r in (template.get("Resources") or {}).values()
            if not str(r.get("Type", "")).startswith("Custom::")
            and r.get("Type") not in parsing.get_model_map()
            and r.get("Type") not in parsing.NULL_MODELS
        }
    )
    if unknown:
        raise ValidationError(
            message=f"Template format error: Unrecognized resource types: [{', '.join(unknown)}]"
            " (not emulated by localaws)"
        )
    active_resources(
        template, params, stack, backend.account_id, backend.region_name, backend.exports
    )


def _create_change_set(
    self: CloudFormationBackend,
    stack_name: str,
    change_set_name: str,
    template: str,
    parameters: dict[str, str],
    description: str,
    change_set_type: str,
    notification_arns: list[str] | None = None,
    tags: dict[str, str] | None = None,
    role_arn: str | None = None,
) -> tuple[str, str]:
    validate_create_change_set(change_set_name)
    existing = next((s for s in self.stacks.values() if s.name == stack_name), None)
    if change_set_type == "UPDATE":
        if existing is None:
            raise ValidationError(stack_name)
        if existing.status.endswith("_IN_PROGRESS") or existing.status in (
            "ROLLBACK_COMPLETE",
            "ROLLBACK_FAILED",
            "CREATE_FAILED",
            "DELETE_FAILED",
            "UPDATE_ROLLBACK_FAILED",
        ):
            raise ValidationError(
                message=f"Stack:{existing.stack_id} is in {existing.status} state "
                "and can not be updated."
            )
        stack = existing
    elif existing is not None and existing.status != "REVIEW_IN_PROGRESS":
        raise AlreadyExistsException(
            f"Stack [{stack_name}] already exists and cannot be created again with the "
            f"changeSet [{change_set_name}]."
        )
    elif existing is not None:
        stack = existing  # another CREATE change set for a stack still under review
    else:
        stack = Stack(
            stack_id=generate_stack_id(stack_name, self.region_name, self.account_id),
            name=stack_name,
            template={},
            parameters=parameters,
            account_id=self.account_id,
            region_name=self.region_name,
            notification_arns=notification_arns,
            tags=tags,
            role_arn=role_arn,
        )
    for cs_id, cs in list(self.change_sets.items()):
        if cs.change_set_name == change_set_name and cs.stack_id == stack.stack_id:
            if cs.execution_status not in ("EXECUTE_COMPLETE", "EXECUTE_FAILED"):
                raise AlreadyExistsException(f"ChangeSet {change_set_name} already exists")
            del self.change_sets[cs_id]  # an executed one only documents history

    template_dict = Stack.parse_template(template)
    _validate(self, stack, template_dict, parameters)
    if stack.stack_id not in self.stacks:
        self.stacks[stack.stack_id] = stack
        stack.status = "REVIEW_IN_PROGRESS"
        stack._add_stack_event("REVIEW_IN_PROGRESS", resource_status_reason="User Initiated")

    change_set = ChangeSet(
        change_set_type=change_set_type,
        change_set_id=generate_changeset_id(change_set_name, self.region_name, self.account_id),
        change_set_name=change_set_name,
        stack=stack,
        template=template,
        parameters=parameters,
        description=description,
        notification_arns=notification_arns,
        tags=tags,
        role_arn=role_arn,
    )
    unchanged = (
        change_set_type == "UPDATE"
        and stack.template_dict == template_dict
        and effective_parameters(template_dict, stack.parameters or {})
        == effective_parameters(template_dict, parameters)
        and (not tags or tags == stack.tags)
    )
    if unchanged:
        change_set.status = "FAILED"
        change_set.execution_status = "UNAVAILABLE"
        change_set.status_reason = NO_CHANGES
    else:
        change_set.status = "CREATE_COMPLETE"
        change_set.execution_status = "AVAILABLE"
    self.change_sets[change_set.change_set_id] = change_set
    return change_set.change_set_id, stack.stack_id


def _create_change_set_response(self: CloudFormationResponse) -> ActionResult:
    """Like moto's, but UsePreviousValue keeps the deployed text value and no early "no updates"."""
    stack_name = self._get_param("StackName")
    change_set_type = self._get_param("ChangeSetType", "CREATE")
    body = self._get_param("TemplateBody")
    if body and len(body.encode("utf-8")) > TEMPLATE_BODY_LIMIT:
        raise ValidationError(
            message="1 validation error detected: Value at 'templateBody' failed to satisfy "
            f"constraint: Member must have length less than or equal to {TEMPLATE_BODY_LIMIT}"
        )
    template_url = self._get_param("TemplateURL")
    stack = None
    if change_set_type == "UPDATE":
        stack = self.cloudformation_backend.get_stack(stack_name)
        self.validate_template_and_stack_body()
        if self._get_bool_param("UsePreviousTemplate", False):
            body = stack.template
    if template_url:
        body = self._get_stack_from_s3_url(template_url)
    parameters: dict[str, str] = {}
    for param in self._get_param("Parameters", []):
        key = param["ParameterKey"]
        if param.get("UsePreviousValue", False):
            if stack is None or key not in (stack.parameters or {}):
                raise ValidationError(
                    message=f"Invalid input for parameter key {key}. Cannot specify "
                    "usePreviousValue as true for a parameter key not in the previous template"
                )
            parameters[key] = stack.parameters[key]
        else:
            parameters[key] = param["ParameterValue"]
    tags = {item["Key"]: item["Value"] for item in self._get_param("Tags", [])}
    change_set_id, stack_id = self.cloudformation_backend.create_change_set(
        stack_name=stack_name,
        change_set_name=self._get_param("ChangeSetName"),
        template=body,
        parameters=parameters,
        description=self._get_param("Description"),
        notification_arns=self._get_param("NotificationARNs", []),
        tags=tags or None,
        role_arn=self._get_param("RoleARN"),
        change_set_type=change_set_type,
    )
    return ActionResult({"Id": change_set_id, "StackId": stack_id})


# --- execute_change_set --------------------------------------------------------------------------


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
    before = _existing(resource_map)
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


# --- delete_stack --------------------------------------------------------------------------------


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
    self.stacks.pop(stack.stack_id)
    self.deleted_stacks[stack.stack_id] = stack
    for name in [n for n, e in self.exports.items() if e.exporting_stack_id == stack.stack_id]:
        self.exports.pop(name)
    for cs_id in [i for i, cs in self.change_sets.items() if cs.stack_id == stack.stack_id]:
        del self.change_sets[cs_id]


# --- helpers -------------------------------------------------------------------------------------


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


class _ChangeSetMeta:
    serialization_aliases = {"Parameters": "parameter_list"}


def install() -> None:
    if CloudFormationBackend.execute_change_set is _execute_change_set:
        return
    parsing.ResourceMap.build_resource_diff = _build_resource_diff  # type: ignore[method-assign]
    ChangeSet.diff = _change_set_diff  # type: ignore[method-assign]
    ChangeSet.parameter_list = property(_change_set_parameter_list)  # type: ignore[attr-defined]
    ChangeSet.Meta = _ChangeSetMeta  # type: ignore[attr-defined]
    responses.CloudFormationResponse.RESPONSE_KEY_PATH_TO_TRANSFORMER.pop(
        "DescribeChangeSetOutput.Parameters", None
    )
    Stack.parameter_list = property(_stack_parameter_list)  # type: ignore[assignment,method-assign]
    CloudFormationBackend.create_change_set = _create_change_set  # type: ignore[method-assign]
    CloudFormationBackend.execute_change_set = _execute_change_set  # type: ignore[method-assign]
    CloudFormationBackend.delete_stack = _delete_stack  # type: ignore[method-assign]
    CloudFormationResponse.create_change_set = _create_change_set_response  # type: ignore[method-assign]
    CloudFormationResponse.execute_change_set = _execute_change_set_response  # type: ignore[method-assign]
    CloudFormationResponse.delete_stack = _delete_stack_response  # type: ignore[method-assign]
