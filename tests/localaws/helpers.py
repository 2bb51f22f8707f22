"""Deploying templates to LocalAws through change sets, as the deployer does."""

from __future__ import annotations

import contextlib
import io
import json
import zipfile
from typing import Any

WAITER = {"Delay": 0.2, "MaxAttempts": 50}


def lambda_zip(source: str = "def lambda_handler(event, context):\n    return event\n") -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("lambda_function.py", source)
    return buf.getvalue()


def as_parameters(values: dict[str, str]) -> list[dict[str, str]]:
    return [{"ParameterKey": k, "ParameterValue": v} for k, v in values.items()]


def create_change_set(
    cfn: Any,
    stack: str,
    name: str,
    template: dict[str, Any] | str,
    params: dict[str, str],
    kind: str,
) -> dict[str, Any]:
    """Create a change set, wait until it settles, return its description."""
    body = template if isinstance(template, str) else json.dumps(template)
    created = cfn.create_change_set(
        StackName=stack,
        ChangeSetName=name,
        ChangeSetType=kind,
        TemplateBody=body,
        Parameters=as_parameters(params),
        Capabilities=["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM"],
    )
    # A FAILED change set is an answer too (the waiter raises); the caller checks Status.
    with contextlib.suppress(Exception):
        cfn.get_waiter("change_set_create_complete").wait(
            ChangeSetName=created["Id"], WaiterConfig=WAITER
        )
    return cfn.describe_change_set(ChangeSetName=created["Id"])


def deploy(
    cfn: Any,
    stack: str,
    template: dict[str, Any] | str,
    params: dict[str, str] | None = None,
    name: str = "deploy",
) -> dict[str, Any]:
    """CREATE or UPDATE through a change set; returns the stack description after the waiter."""
    existing = [s for s in cfn.list_stacks()["StackSummaries"] if s["StackName"] == stack]
    gone = ("DELETE_COMPLETE", "REVIEW_IN_PROGRESS")
    live = [s for s in existing if s["StackStatus"] not in gone]
    kind = "UPDATE" if live else "CREATE"
    change_set = create_change_set(cfn, stack, name, template, params or {}, kind)
    assert change_set["Status"] == "CREATE_COMPLETE", change_set.get("StatusReason")
    cfn.execute_change_set(ChangeSetName=change_set["ChangeSetId"])
    waiter = "stack_create_complete" if kind == "CREATE" else "stack_update_complete"
    cfn.get_waiter(waiter).wait(StackName=stack, WaiterConfig=WAITER)
    return cfn.describe_stacks(StackName=stack)["Stacks"][0]


def outputs(stack: dict[str, Any]) -> dict[str, str]:
    return {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs") or []}


def physical_ids(cfn: Any, stack: str) -> dict[str, str]:
    summaries = cfn.list_stack_resources(StackName=stack)["StackResourceSummaries"]
    return {r["LogicalResourceId"]: r["PhysicalResourceId"] for r in summaries}


def delete(cfn: Any, stack: str) -> None:
    cfn.delete_stack(StackName=stack)
    cfn.get_waiter("stack_delete_complete").wait(StackName=stack, WaiterConfig=WAITER)
