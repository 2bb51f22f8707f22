"""Reading a stack: its status (mapped to a few simple states), parameters, outputs, template."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from botocore.exceptions import ClientError

from .errors import DeployError


class State(Enum):
    """Sceptre's mapping of CloudFormation's many statuses to the few a deployer acts on."""

    COMPLETE = "complete"
    FAILED = "failed"
    IN_PROGRESS = "in_progress"


# Every StackStatus CloudFormation documents (botocore 1.44.8's service model for
# cloudformation 2010-05-15, shape StackStatus), by the state a deployer acts on.
STACK_STATUSES = {
    State.COMPLETE: {
        "CREATE_COMPLETE", "UPDATE_COMPLETE", "UPDATE_ROLLBACK_COMPLETE", "DELETE_COMPLETE",
        "IMPORT_COMPLETE", "IMPORT_ROLLBACK_COMPLETE",
    },
    State.FAILED: {
        "CREATE_FAILED", "ROLLBACK_FAILED", "ROLLBACK_COMPLETE", "DELETE_FAILED",
        "UPDATE_FAILED", "UPDATE_ROLLBACK_FAILED", "IMPORT_ROLLBACK_FAILED",
    },
    State.IN_PROGRESS: {
        "CREATE_IN_PROGRESS", "ROLLBACK_IN_PROGRESS", "DELETE_IN_PROGRESS",
        "UPDATE_IN_PROGRESS", "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS",
        "UPDATE_ROLLBACK_IN_PROGRESS", "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS",
        "REVIEW_IN_PROGRESS", "IMPORT_IN_PROGRESS", "IMPORT_ROLLBACK_IN_PROGRESS",
    },
}  # fmt: skip
_STATE_OF = {status: state for state, group in STACK_STATUSES.items() for status in group}


class UnknownStackStatus(DeployError):
    """A status deploy.py was not written for: guessing "complete" could deploy over it."""


def state_of(status: str) -> State:
    """The state of a stack status; an unknown status raises rather than passing as complete."""
    try:
        return _STATE_OF[status]
    except KeyError:
        raise UnknownStackStatus(
            f"CloudFormation reports the stack as {status}, a status deploy.py does not know.",
            fix="Look at the stack in the CloudFormation console, and update deploy.py if "
            "CloudFormation has added a status.",
        ) from None


def display_state(status: str) -> State:
    """How to colour any stack or resource status in the events view (never raises)."""
    if status.endswith("ROLLBACK_COMPLETE") or status.endswith("_FAILED"):
        return State.FAILED
    if status.endswith("_IN_PROGRESS"):
        return State.IN_PROGRESS
    return State.COMPLETE


# A first create that failed or never ran: nothing to keep, delete and create again.
RECREATE = {"ROLLBACK_COMPLETE", "ROLLBACK_FAILED", "CREATE_FAILED", "REVIEW_IN_PROGRESS"}
UPDATABLE = {
    "CREATE_COMPLETE",
    "UPDATE_COMPLETE",
    "UPDATE_ROLLBACK_COMPLETE",
    "IMPORT_COMPLETE",
    "IMPORT_ROLLBACK_COMPLETE",
}


@dataclass(frozen=True)
class StackInfo:
    stack_id: str
    name: str
    status: str
    reason: str = ""
    parameters: dict[str, str] = field(default_factory=dict)
    outputs: list[dict[str, str]] = field(default_factory=list)

    @property
    def state(self) -> State:
        return state_of(self.status)

    @classmethod
    def from_api(cls, stack: dict[str, Any]) -> StackInfo:
        return cls(
            stack_id=stack["StackId"],
            name=stack["StackName"],
            status=stack["StackStatus"],
            reason=stack.get("StackStatusReason", "") or "",
            parameters={
                p["ParameterKey"]: p.get("ParameterValue", "") for p in stack.get("Parameters", [])
            },
            outputs=list(stack.get("Outputs") or []),
        )


def describe(cf: Any, name_or_id: str) -> StackInfo | None:
    """The stack, or None when there is none by that name (or it was deleted)."""
    try:
        stacks = cf.describe_stacks(StackName=name_or_id)["Stacks"]
    except ClientError as exc:
        if "does not exist" in str(exc):
            return None
        raise
    if not stacks or stacks[0]["StackStatus"] == "DELETE_COMPLETE":
        return None
    return StackInfo.from_api(stacks[0])


def deployed_template(cf: Any, name: str) -> dict[str, Any] | None:
    """The template as submitted (botocore decodes JSON bodies to a dict already)."""
    body = cf.get_template(StackName=name, TemplateStage="Original")["TemplateBody"]
    if isinstance(body, str):
        try:
            return json.loads(body)
        except json.JSONDecodeError:
            return None  # a YAML template was deployed by something else
    return json.loads(json.dumps(body))


def outputs_as_dict(info: StackInfo) -> dict[str, str]:
    return {o["OutputKey"]: o.get("OutputValue", "") for o in info.outputs}


def output_descriptions(info: StackInfo) -> dict[str, str]:
    return {o["OutputKey"]: o.get("Description", "") or "" for o in info.outputs}
