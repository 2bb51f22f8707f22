"""SQS event source mappings for the local run: Lambda's pollers, for the served function.

Each enabled mapping from an SQS queue to the function is polled (long polls of WAIT_S, so a
message is delivered within about a second and `stop()` returns as quickly). Received messages
become one SQS event in Lambda's format, run synchronously on the function's execution
environments; then, as Lambda does: a function error leaves every message to come back after
the queue's visibility timeout; with ReportBatchItemFailures, the messages the function names
in `batchItemFailures` stay and the rest are deleted; otherwise all are deleted.

Not emulated: batching windows longer than one poll, filter criteria, FIFO ordering, the
mapping's MaximumConcurrency (one batch at a time here, within the function's environments).
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from .aws import LocalAwsClients
from .function_runner import FunctionRegistry, Throttled
from .logs import LogSink

WAIT_S = 1
REFRESH_S = 5.0  # how often the mappings are re-read (a redeploy may add or disable one)


def _attributes(message: dict[str, Any]) -> dict[str, Any]:
    """SQS ReceiveMessage's MessageAttributes in the event's lower-camel form."""
    out = {}
    for name, value in (message.get("MessageAttributes") or {}).items():
        out[name] = {
            "stringValue": value.get("StringValue"),
            "binaryValue": value.get("BinaryValue"),
            "stringListValues": [],
            "binaryListValues": [],
            "dataType": value.get("DataType", "String"),
        }
        out[name] = {k: v for k, v in out[name].items() if v is not None}
    return out


def _md5(text: str) -> str:
    return hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()


def sqs_event(queue_arn: str, region: str, messages: list[dict[str, Any]]) -> dict[str, Any]:
    """The event Lambda's SQS poller hands the function."""
    return {
        "Records": [
            {
                "messageId": m["MessageId"],
                "receiptHandle": m["ReceiptHandle"],
                "body": m.get("Body", ""),
                "attributes": dict(m.get("Attributes") or {}),
                "messageAttributes": _attributes(m),
                "md5OfBody": m.get("MD5OfBody") or _md5(m.get("Body", "")),
                "eventSource": "aws:sqs",
                "eventSourceARN": queue_arn,
                "awsRegion": region,
            }
            for m in messages
        ]
    }


def _failed_ids(payload: bytes) -> set[str] | None:
    """Message ids the function asked to keep; None when the answer is not a valid report."""
    try:
        answer = json.loads(payload or b"null")
    except ValueError:
        return None
    if answer is None or answer == {}:
        return set()
    failures = answer.get("batchItemFailures") if isinstance(answer, dict) else None
    if not isinstance(failures, list):
        return set()  # any other answer is a success for the whole batch
    ids = {str(f.get("itemIdentifier", "")) for f in failures if isinstance(f, dict)}
    return None if "" in ids else ids


class EventSourcePoller:
    def __init__(
        self, aws: LocalAwsClients, registry: FunctionRegistry, sink: LogSink, function_name: str
    ) -> None:
        self._aws, self._registry, self._sink = aws, registry, sink
        self._function = function_name
        self._stop = threading.Event()
        self._mappings: list[dict[str, Any]] = []
        self._refreshed = 0.0
        self._thread = threading.Thread(target=self._run, daemon=True, name="sqs-event-source")

    def start(self) -> EventSourcePoller:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=WAIT_S + 5)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                mappings = self._current()
                if not mappings:
                    self._stop.wait(WAIT_S)
                for mapping in mappings:
                    self._poll(mapping)
            except (ClientError, BotoCoreError, OSError) as exc:
                self._sink.info("sqs", f"event source polling failed: {exc}")
                self._stop.wait(WAIT_S)

    def _current(self) -> list[dict[str, Any]]:
        if time.monotonic() - self._refreshed > REFRESH_S:
            listed = self._aws.client("lambda").list_event_source_mappings(
                FunctionName=self._function
            )
            self._mappings = [
                m
                for m in listed.get("EventSourceMappings", [])
                if m.get("State") == "Enabled" and ":sqs:" in m.get("EventSourceArn", "")
            ]
            self._refreshed = time.monotonic()
        return self._mappings

    def _poll(self, mapping: dict[str, Any]) -> None:
        arn = mapping["EventSourceArn"]
        _, _, _, region, account, name = arn.split(":", 5)
        sqs = self._aws.client("sqs")
        url = sqs.get_queue_url(QueueName=name, QueueOwnerAWSAccountId=account)["QueueUrl"]
        got = sqs.receive_message(
            QueueUrl=url,
            MaxNumberOfMessages=max(1, min(10, int(mapping.get("BatchSize") or 10))),
            WaitTimeSeconds=WAIT_S,
            MessageAttributeNames=["All"],
            AttributeNames=["All"],
        )
        messages = got.get("Messages", [])
        if not messages or self._stop.is_set():
            return
        event = sqs_event(arn, region, messages)
        try:
            result = self._registry.get(self._function).invoke(json.dumps(event).encode())
        except Throttled as exc:
            self._sink.info("sqs", f"{len(messages)} message(s) from {name} wait: {exc}")
            return  # they come back after the visibility timeout, as on Lambda
        every = {m["MessageId"] for m in messages}
        keep = every  # a function error: all of them come back
        if result.ok:
            reported = "ReportBatchItemFailures" in (mapping.get("FunctionResponseTypes") or [])
            failed = _failed_ids(result.payload) if reported else set()
            keep = every if failed is None else failed  # a malformed report fails the batch
        for m in messages:
            if m["MessageId"] not in keep:
                sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
        self._sink.info(
            "sqs",
            f"{len(messages)} message(s) from {name} -> {self._function}: "
            f"{len(messages) - len(keep)} done, {len(keep)} back after the visibility timeout",
        )
