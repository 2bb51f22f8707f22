"""The function's log stream in the local AWS's CloudWatch Logs, as Lambda writes it.

Every execution environment gets its own stream in /aws/lambda/<function> (or the function's
LoggingConfig group), with the function's lines plus Lambda's START/END/REPORT records, so that
`aws logs tail` against the local endpoint shows what it would show on AWS. Shipping is batched
on one thread and never slows or fails an invocation.
"""

from __future__ import annotations

import contextlib
import queue
import threading
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass

from botocore.exceptions import ClientError

from .aws import LocalAwsClients
from .logs import LogSink

_BATCH_S = 0.5
_MAX_BATCH = 1000  # under PutLogEvents' 10,000 events / 1 MB per call
_MAX_PENDING = 50_000  # beyond this the local run drops lines rather than grow without bound


@dataclass(frozen=True)
class _Event:
    group: str
    stream: str
    timestamp_ms: int
    message: str


def stream_name() -> str:
    """Lambda's stream naming: 2026/11/25/[$LATEST]<32 hex>."""
    return time.strftime("%Y/%m/%d/[$LATEST]", time.gmtime()) + uuid.uuid4().hex


class LogShipper:
    def __init__(self, aws: LocalAwsClients, sink: LogSink) -> None:
        self._aws = aws
        self._sink = sink
        self._queue: queue.Queue[_Event | None] = queue.Queue(maxsize=_MAX_PENDING)
        self._known: set[tuple[str, str]] = set()
        self._dropped = 0
        self._failing = False
        self._thread = threading.Thread(target=self._run, daemon=True, name="cloudwatch-logs")
        self._thread.start()

    def put(self, group: str, stream: str, message: str) -> None:
        try:
            self._queue.put_nowait(_Event(group, stream, int(time.time() * 1000), message))
        except queue.Full:
            self._dropped += 1

    def _run(self) -> None:
        stopping = False
        while not stopping:
            batch: list[_Event] = []
            deadline = time.monotonic() + _BATCH_S
            while len(batch) < _MAX_BATCH and (remaining := deadline - time.monotonic()) > 0:
                try:
                    item = self._queue.get(timeout=remaining)
                except queue.Empty:
                    break
                if item is None:
                    stopping = True
                    break
                batch.append(item)
            if batch:
                self._ship(batch)

    def _ship(self, batch: list[_Event]) -> None:
        logs = self._aws.client("logs")
        by_stream: dict[tuple[str, str], list[_Event]] = defaultdict(list)
        for event in batch:
            by_stream[(event.group, event.stream)].append(event)
        try:
            for (group, stream), events in by_stream.items():
                self._ensure(group, stream)
                logs.put_log_events(
                    logGroupName=group,
                    logStreamName=stream,
                    logEvents=[
                        {"timestamp": e.timestamp_ms, "message": e.message}
                        for e in sorted(events, key=lambda e: e.timestamp_ms)
                    ],
                )
            self._failing = False
        except (ClientError, OSError) as exc:
            if not self._failing:  # say it once, then keep the terminal for the function
                self._sink.info("logs", f"CloudWatch Logs shipping failed: {exc}")
            self._failing = True

    def _ensure(self, group: str, stream: str) -> None:
        if (group, stream) in self._known:
            return
        client = self._aws.client("logs")
        for call, kwargs in (
            (client.create_log_group, {"logGroupName": group}),  # Lambda creates a missing one
            (client.create_log_stream, {"logGroupName": group, "logStreamName": stream}),
        ):
            with contextlib.suppress(client.exceptions.ResourceAlreadyExistsException):
                call(**kwargs)
        self._known.add((group, stream))

    def stop(self) -> None:
        """Ship what is queued, then end the thread."""
        with contextlib.suppress(queue.Full):
            self._queue.put(None, timeout=1)
        self._thread.join(timeout=5)
        if self._dropped:
            self._sink.info("logs", f"{self._dropped} log lines were not shipped (queue full)")
