"""SQS event source mappings in the local run: polled like Lambda, batch failures honoured,
and a worker event older than MaximumEventAgeInSeconds dead-lettered instead of run."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest

from local import aws as localaws
from local.run.aws import LocalAwsClients
from local.run.event_sources import EventSourcePoller
from local.run.function_runner import FunctionRegistry
from local.run.invoker import AsyncEvent, Invoker
from tests.localrun.support import Deployed, ListSink


@pytest.fixture(scope="module")
def fn(aws: LocalAwsClients) -> Deployed:
    return Deployed(aws, timeout=3)


def deliveries(aws: LocalAwsClients, fn: Deployed) -> list[dict[str, Any]]:
    s3 = aws.client("s3")
    listed = s3.list_objects_v2(Bucket=fn.record_bucket, Prefix="sqs/").get("Contents", [])
    return [
        json.loads(s3.get_object(Bucket=fn.record_bucket, Key=o["Key"])["Body"].read())
        for o in listed
    ]


def until(check: Any, within_s: float) -> Any:
    give_up = time.monotonic() + within_s
    while time.monotonic() < give_up:
        value = check()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError("not within the time allowed")


@pytest.fixture
def source(aws: LocalAwsClients, fn: Deployed) -> Iterator[str]:
    sqs = aws.client("sqs")
    url = sqs.create_queue(QueueName=f"src-{fn.name}", Attributes={"VisibilityTimeout": "1"})[
        "QueueUrl"
    ]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]
    mapping = aws.client("lambda").create_event_source_mapping(
        EventSourceArn=arn["QueueArn"],
        FunctionName=fn.name,
        FunctionResponseTypes=["ReportBatchItemFailures"],
    )
    yield url
    aws.client("lambda").delete_event_source_mapping(UUID=mapping["UUID"])


def test_messages_are_delivered_as_lambda_does_and_only_failures_come_back(
    aws: LocalAwsClients, fn: Deployed, registry: FunctionRegistry, sink: ListSink, source: str
) -> None:
    sqs = aws.client("sqs")
    poller = EventSourcePoller(aws, registry, sink, fn.name).start()
    try:
        attributes = {"ErrorMessage": {"DataType": "String", "StringValue": "killed"}}
        ok = sqs.send_message(QueueUrl=source, MessageBody="ok-1", MessageAttributes=attributes)
        bad = sqs.send_message(QueueUrl=source, MessageBody="fail-2")
        # The failed one comes back after the 1 s visibility timeout and is delivered again.
        seen = until(
            lambda: (
                (d := deliveries(aws, fn))
                and sum(r["messageId"] == bad["MessageId"] for r in d) >= 2
                and d
            ),
            20,
        )
    finally:
        poller.stop()
        registry.stop()
    first = next(r for r in seen if r["messageId"] == ok["MessageId"])
    assert sum(r["messageId"] == ok["MessageId"] for r in seen) == 1  # deleted after success
    assert first["eventSource"] == "aws:sqs" and first["body"] == "ok-1"
    assert first["eventSourceARN"].endswith(f":src-{fn.name}")
    assert first["messageAttributes"]["ErrorMessage"]["stringValue"] == "killed"
    assert first["receiptHandle"] and first["md5OfBody"]
    left = sqs.get_queue_attributes(QueueUrl=source, AttributeNames=["All"])["Attributes"]
    assert (
        int(left["ApproximateNumberOfMessages"])
        + int(left["ApproximateNumberOfMessagesNotVisible"])
        == 1
    )


def test_an_event_older_than_its_maximum_age_is_dead_lettered_unrun(
    aws: LocalAwsClients, fn: Deployed, registry: FunctionRegistry, sink: ListSink
) -> None:
    lam = aws.client("lambda")
    lam.put_function_event_invoke_config(
        FunctionName=fn.name, MaximumEventAgeInSeconds=60, MaximumRetryAttempts=2
    )
    invoker = Invoker(aws, registry, sink, concurrency=1, retry_delays=(0.05,))
    localaws.set_invoke_handler(invoker.handle_invoke)
    try:
        payload = json.dumps({"do": "bare", "record": True}).encode()
        stale = AsyncEvent(fn.name, payload, "rid-too-old", queued_at=time.monotonic() - 61)
        with invoker._cond:
            invoker._in_flight += 1
        invoker._queue.put(stale)
        assert invoker.drain(timeout=10)
    finally:
        localaws.set_invoke_handler(None)
        invoker.stop(join=False)
        registry.stop()
        invoker.join()
        lam.delete_function_event_invoke_config(FunctionName=fn.name)
    assert fn.attempts("rid-too-old") == 0
    got = aws.client("sqs").receive_message(
        QueueUrl=fn.dlq_url, MessageAttributeNames=["All"], WaitTimeSeconds=1
    )
    bodies = [json.loads(m["Body"]) for m in got.get("Messages", [])]
    assert json.loads(payload) in bodies
