"""Stack events of one operation: fetched, shown live (or as lines), and the root cause.

Only events of this operation are shown: those carrying its ClientRequestToken, or (for
endpoints that do not record tokens) those newer than the last event before it began.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from rich.live import Live
from rich.markup import escape
from rich.table import Table

from .stack import StackInfo, State, describe, display_state
from .ui import UI

CANCELLED = "Resource creation cancelled"
Sleep = Callable[[float], None]


@dataclass(frozen=True)
class StackEvent:
    event_id: str
    timestamp: datetime
    logical_id: str
    resource_type: str
    status: str
    reason: str = ""
    token: str | None = None

    @classmethod
    def from_api(cls, event: dict[str, Any]) -> StackEvent:
        return cls(
            event_id=event["EventId"],
            timestamp=event["Timestamp"],
            logical_id=event.get("LogicalResourceId", ""),
            resource_type=event.get("ResourceType", ""),
            status=event.get("ResourceStatus", ""),
            reason=event.get("ResourceStatusReason", "") or "",
            token=event.get("ClientRequestToken") or None,
        )

    @property
    def is_stack(self) -> bool:
        return self.resource_type == "AWS::CloudFormation::Stack"


def root_cause(events: list[StackEvent]) -> StackEvent | None:
    """The first resource that failed for a reason of its own (not a cancellation)."""
    failed = [e for e in events if e.status.endswith("_FAILED") and CANCELLED not in e.reason]
    resources = [e for e in failed if not e.is_stack]
    found = resources or failed
    return found[0] if found else None


def last_operation(events: list[StackEvent]) -> list[StackEvent]:
    """The events since the stack's most recent create, update or delete began."""
    starts = [
        i
        for i, e in enumerate(events)
        if e.is_stack
        and e.status in ("CREATE_IN_PROGRESS", "UPDATE_IN_PROGRESS", "DELETE_IN_PROGRESS")
    ]
    return events[starts[-1] :] if starts else events


def cause_sentence(event: StackEvent | None, info: StackInfo | None) -> str:
    if event is not None:
        reason = event.reason or "no reason given"
        return f"{event.logical_id} ({event.resource_type}) {event.status}: {reason}"
    if info is not None and info.reason:
        return f"{info.name} {info.status}: {info.reason}"
    if info is None:
        return "The stack ended in an unknown state."
    return f"{info.name} ended in {info.status}."


class EventFeed:
    """New events of one operation, oldest first, each returned once."""

    def __init__(self, cf: Any, stack_id: str, token: str | None, after: datetime | None) -> None:
        self._cf = cf
        self._stack_id = stack_id
        self._token = token
        self._after = after
        self._seen: set[str] = set()
        self.history: list[StackEvent] = []

    @classmethod
    def starting_now(cls, cf: Any, stack_id: str, token: str | None) -> EventFeed:
        """A feed whose baseline is the newest event before the operation starts."""
        newest = next(_events(cf, stack_id), None)
        return cls(cf, stack_id, token, newest.timestamp if newest else None)

    def poll(self) -> list[StackEvent]:
        fresh: list[StackEvent] = []
        for event in _events(self._cf, self._stack_id):
            if event.event_id in self._seen or (self._after and event.timestamp <= self._after):
                break  # pages are newest first: the rest is older
            self._seen.add(event.event_id)
            if self._ours(event):
                fresh.append(event)
        fresh.reverse()
        self.history += fresh
        return fresh

    def _ours(self, event: StackEvent) -> bool:
        return event.token is None or self._token is None or event.token == self._token


def _events(cf: Any, stack_id: str) -> Iterator[StackEvent]:
    for page in cf.get_paginator("describe_stack_events").paginate(StackName=stack_id):
        for event in page["StackEvents"]:
            yield StackEvent.from_api(event)


@dataclass
class Row:
    logical_id: str
    resource_type: str
    status: str
    reason: str


def event_table(rows: list[Row], title: str) -> Table:
    """Pure: the live view's table, rebuilt from rows each tick."""
    table = Table(title=title, expand=False)
    for column in ("Resource", "Type", "Status", "Reason"):
        table.add_column(column)
    for row in rows:
        table.add_row(row.logical_id, row.resource_type, _styled(row.status), escape(row.reason))
    return table


def event_line(event: StackEvent) -> str:
    """Pure: one event as one plain line (CI logs)."""
    reason = f"  {event.reason}" if event.reason else ""
    stamp = event.timestamp.strftime("%H:%M:%S")
    return f"{stamp}  {event.status:<28} {event.resource_type:<40} {event.logical_id}{reason}"


def _styled(status: str) -> str:
    colour = {State.COMPLETE: "green", State.FAILED: "red", State.IN_PROGRESS: "yellow"}
    return f"[{colour[display_state(status)]}]{status}[/]"


class Watcher:
    """Waits for a stack operation to settle while showing its events."""

    def __init__(self, cf: Any, ui: UI, sleep: Sleep = time.sleep, max_interval: float = 3.0):
        self._cf = cf
        self._ui = ui
        self._sleep = sleep
        self._max_interval = max_interval

    def wait(self, stack_id: str, feed: EventFeed, title: str) -> StackInfo | None:
        """Poll until the stack is no longer in progress; None if it was deleted."""
        if self._ui.live:
            return self._wait_live(stack_id, feed, title)
        return self._loop(stack_id, feed, lambda events: self._print(events))

    def _wait_live(self, stack_id: str, feed: EventFeed, title: str) -> StackInfo | None:
        rows: dict[str, Row] = {}
        with Live(event_table([], title), console=self._ui.console, refresh_per_second=4) as live:

            def update(events: list[StackEvent]) -> None:
                for e in events:
                    rows[e.logical_id] = Row(e.logical_id, e.resource_type, e.status, e.reason)
                live.update(event_table(list(rows.values()), title))

            return self._loop(stack_id, feed, update)

    def _print(self, events: list[StackEvent]) -> None:
        for event in events:
            self._ui.say(escape(event_line(event)))

    def _loop(
        self, stack_id: str, feed: EventFeed, show: Callable[[list[StackEvent]], None]
    ) -> StackInfo | None:
        interval = 0.1  # quick at first (a local AWS settles in well under a second)
        while True:
            info = describe(self._cf, stack_id)
            show(feed.poll())
            if info is None or info.state is not State.IN_PROGRESS:
                return info
            self._sleep(interval)
            interval = min(interval * 1.5, self._max_interval)
