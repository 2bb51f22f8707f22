"""Creating and describing change sets as CloudFormation does.

What stock moto 5.2.5 gets wrong here, and what is done instead:

* ``describe_change_set`` ignores parameter changes (a parameter-only update shows no changes)
  and reports no ``Replacement``/``Scope``/``Details``; here ``localaws.plan`` decides the Changes,
  the same planner that decides what execution updates.
* ``create_change_set`` raises "No updates are to be performed" instead of creating a FAILED
  change set with AWS's "didn't contain changes" reason, compares parameters without their
  defaults, resolves ``UsePreviousValue`` to parsed values (a CommaDelimitedList then breaks),
  lets a CREATE change set duplicate an existing stack, accepts templates over the 51,200-byte
  inline limit, skips unsupported resource types silently and validates parameters only at
  execution.
"""

from __future__ import annotations

from typing import Any

from moto.cloudformation import parsing
from moto.cloudformation.exceptions import AlreadyExistsException, ValidationError
from moto.cloudformation.models import Change, ChangeSet, CloudFormationBackend, Stack
from moto.cloudformation.responses import CloudFormationResponse
from moto.cloudformation.utils import (
    generate_changeset_id,
    generate_stack_id,
    validate_create_change_set,
)
from moto.core.responses import ActionResult

from local.aws.plan import effective_parameters, plan
from local.aws.resourcemap import active_resources, existing

NO_CHANGES = (
    "The submitted information didn't contain changes. "
    "Submit different information to create a change set."
)
TEMPLATE_BODY_LIMIT = 51_200  # bytes; larger templates must come from S3 (TemplateURL)


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
        old_active=existing(stack.resource_map),
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


# Private moto API, written against moto 5.2.5 (local.aws.patches.MOTO_VERSION).
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


def _list_change_sets_response(self: CloudFormationResponse) -> ActionResult:
    """The change sets of the named stack (StackName is required); moto 5.2.5 lists all."""
    wanted = self._get_param("StackName")
    summaries = [
        cs
        for cs in self.cloudformation_backend.list_change_sets()
        if wanted in (cs.stack_name, cs.stack_id)
    ]
    return ActionResult({"Summaries": summaries})


def install() -> None:
    CloudFormationResponse.list_change_sets = _list_change_sets_response  # type: ignore[method-assign]
    ChangeSet.diff = _change_set_diff  # type: ignore[method-assign]
    CloudFormationBackend.create_change_set = _create_change_set  # type: ignore[method-assign]
    CloudFormationResponse.create_change_set = _create_change_set_response  # type: ignore[method-assign]
