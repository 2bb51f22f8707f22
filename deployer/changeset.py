"""Change sets: create, wait until described, render as a table, execute or delete."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from rich.table import Table

from .errors import DeployError

CAPABILITIES = ["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM"]
_NO_CHANGES = ("didn't contain changes", "No updates are to be performed")


@dataclass(frozen=True)
class Change:
    action: str
    logical_id: str
    resource_type: str
    replacement: str

    @classmethod
    def from_api(cls, change: dict[str, Any]) -> Change:
        rc = change.get("ResourceChange", {})
        return cls(
            action=rc.get("Action", ""),
            logical_id=rc.get("LogicalResourceId", ""),
            resource_type=rc.get("ResourceType", ""),
            replacement=rc.get("Replacement", "") or "",
        )


@dataclass(frozen=True)
class ChangeSet:
    arn: str
    name: str
    stack_id: str
    kind: str  # CREATE | UPDATE
    status: str = ""
    reason: str = ""
    changes: list[Change] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return self.status == "FAILED" and any(text in self.reason for text in _NO_CHANGES)


def new_name(now: datetime | None = None) -> str:
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%d-%H%M%S-%f")
    return f"pixel-prompt-{stamp}"


def create(
    cf: Any,
    stack_name: str,
    kind: str,
    template: dict[str, str],
    parameters: list[dict[str, str]],
) -> ChangeSet:
    """`template` is {"TemplateBody": ...} or {"TemplateURL": ...}."""
    name = new_name()
    answer = cf.create_change_set(
        StackName=stack_name,
        ChangeSetName=name,
        ChangeSetType=kind,
        Parameters=parameters,
        Capabilities=CAPABILITIES,
        Description="deploy.py",
        **template,
    )
    return ChangeSet(arn=answer["Id"], name=name, stack_id=answer["StackId"], kind=kind)


def wait(
    cf: Any,
    change_set: ChangeSet,
    sleep: Callable[[float], None] = time.sleep,
    timeout: float = 600,
) -> ChangeSet:
    """Poll until the change set is ready (or failed); collect every change across pages."""
    waited, interval = 0.0, 0.25
    while True:
        first = cf.describe_change_set(ChangeSetName=change_set.arn, StackName=change_set.stack_id)
        if first["Status"] not in ("CREATE_PENDING", "CREATE_IN_PROGRESS"):
            return _described(cf, change_set, first)
        if waited >= timeout:
            raise DeployError(
                f"The change set {change_set.name} was not ready after {timeout:.0f} s."
            )
        sleep(interval)
        waited += interval
        interval = min(interval * 2, 5.0)


def _described(cf: Any, change_set: ChangeSet, page: dict[str, Any]) -> ChangeSet:
    changes = [Change.from_api(c) for c in page.get("Changes", [])]
    while page.get("NextToken"):
        page = cf.describe_change_set(
            ChangeSetName=change_set.arn, StackName=change_set.stack_id, NextToken=page["NextToken"]
        )
        changes += [Change.from_api(c) for c in page.get("Changes", [])]
    return ChangeSet(
        arn=change_set.arn,
        name=change_set.name,
        stack_id=change_set.stack_id,
        kind=change_set.kind,
        status=page["Status"],
        reason=page.get("StatusReason", "") or "",
        changes=changes,
    )


def table(change_set: ChangeSet) -> Table:
    """Pure: the change set as a table of action, logical id, type and replacement."""
    view = Table(title=f"Change set {change_set.name} ({change_set.kind})")
    for column in ("Action", "Logical ID", "Type", "Replacement"):
        view.add_column(column)
    colours = {"Add": "green", "Modify": "yellow", "Remove": "red"}
    for change in change_set.changes:
        colour = colours.get(change.action, "white")
        replacement = change.replacement
        if replacement in ("True", "Conditional"):
            replacement = f"[bold red]{replacement}[/]"
        view.add_row(
            f"[{colour}]{change.action}[/]", change.logical_id, change.resource_type, replacement
        )
    return view


def execute(cf: Any, change_set: ChangeSet, token: str) -> None:
    cf.execute_change_set(
        ChangeSetName=change_set.arn, StackName=change_set.stack_id, ClientRequestToken=token
    )


def delete(cf: Any, change_set: ChangeSet) -> None:
    cf.delete_change_set(ChangeSetName=change_set.arn, StackName=change_set.stack_id)
