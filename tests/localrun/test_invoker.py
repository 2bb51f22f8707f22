"""Lambda Invoke through the local AWS: synchronous results, async 202, retries, then the DLQ."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from local import aws as localaws
from local.run.aws import LocalAwsClients
from local.run.function_runner import FunctionRegistry
from local.run.invoker import Invoker
from tests.localrun.support import Deployed, ListSink


@pytest.fixture
def invoker(aws: LocalAwsClients, registry: FunctionRegistry, sink: ListSink) -> Iterator[Invoker]:
    inv = Invoker(aws, registry, sink, concurrency=2, retry_delays=(0.05, 0.1))
    localaws.set_invoke_handler(inv.handle_invoke)
    try:
        yield inv
    finally:
        localaws.set_invoke_handler(None)
        inv.stop(join=False)
        registry.stop()
        inv.join()


@pytest.fixture(scope="module")
def fn(aws: LocalAwsClients) -> Deployed:
    return Deployed(aws, timeout=3)


def test_request_response_returns_the_result(aws, fn: Deployed, invoker: Invoker) -> None:
    resp = aws.client("lambda").invoke(FunctionName=fn.name, Payload=b'{"do": "bare"}')
    assert resp["StatusCode"] == 200
    assert "FunctionError" not in resp
    assert json.loads(resp["Payload"].read()) == {"bare": True}

    failed = aws.client("lambda").invoke(FunctionName=fn.name, Payload=b'{"do": "raise"}')
    assert failed["FunctionError"] == "Unhandled"
    error = json.loads(failed["Payload"].read())
    assert error["errorType"] == "ValueError"
    assert error["errorMessage"] == "boom from v1"


def test_event_is_accepted_at_once_and_runs(aws, fn: Deployed, invoker: Invoker) -> None:
    resp = aws.client("lambda").invoke(
        FunctionName=fn.name, InvocationType="Event", Payload=b'{"do": "sleep", "s": 1}'
    )
    assert resp["StatusCode"] == 202
    assert not invoker.drain(timeout=0)  # answered while the function still runs
    assert invoker.drain(timeout=15)


def test_failing_async_invocation_is_retried_twice_then_dead_lettered(
    aws, fn: Deployed, invoker: Invoker, sink: ListSink
) -> None:
    payload = json.dumps({"do": "raise", "record": True, "job": "j-42"})
    resp = aws.client("lambda").invoke(
        FunctionName=fn.name, InvocationType="Event", Payload=payload.encode()
    )
    assert resp["StatusCode"] == 202
    assert invoker.drain(timeout=20)

    sqs = aws.client("sqs")
    got = sqs.receive_message(QueueUrl=fn.dlq_url, MessageAttributeNames=["All"], WaitTimeSeconds=1)
    messages = got.get("Messages", [])
    assert len(messages) == 1
    message = messages[0]
    assert json.loads(message["Body"]) == json.loads(payload)  # the original event, untouched
    attrs = {k: v["StringValue"] for k, v in message["MessageAttributes"].items()}
    assert attrs["ErrorCode"] == "200"
    assert attrs["ErrorMessage"] == "boom from v1"
    # Lambda keeps one request id across the retries; the function saw exactly 3 attempts.
    assert fn.attempts(attrs["RequestID"]) == 3
    assert any("retry 2/2" in line for line in sink.lines)
    assert any("sent to dead-letter queue" in line for line in sink.lines)


def test_crashing_async_invocation_is_dead_lettered_too(aws, invoker: Invoker) -> None:
    fn = Deployed(aws, timeout=3)
    invoker.submit(fn.name, b'{"do": "crash", "record": true}')
    assert invoker.drain(timeout=30)
    got = aws.client("sqs").receive_message(QueueUrl=fn.dlq_url, MessageAttributeNames=["All"])
    (message,) = got["Messages"]
    assert (
        "Runtime exited with error" in message["MessageAttributes"]["ErrorMessage"]["StringValue"]
    )
    assert fn.attempts(message["MessageAttributes"]["RequestID"]["StringValue"]) == 3


def test_async_success_is_not_retried(aws, invoker: Invoker) -> None:
    fn = Deployed(aws, timeout=3)
    request_id = invoker.submit(fn.name, b'{"record": true}')
    assert invoker.drain(timeout=15)
    assert fn.attempts(request_id) == 1
    assert "Messages" not in aws.client("sqs").receive_message(QueueUrl=fn.dlq_url)


def test_without_a_dlq_the_loss_is_logged(aws, invoker: Invoker, sink: ListSink) -> None:
    fn = Deployed(aws, timeout=3, with_dlq=False)
    invoker.submit(fn.name, b'{"do": "raise"}')
    assert invoker.drain(timeout=20)
    assert any("no dead-letter queue, event DISCARDED" in line for line in sink.lines)


def test_a_payload_that_is_not_json_is_refused(aws, fn: Deployed, invoker: Invoker) -> None:
    client = aws.client("lambda")
    for invocation_type in ("Event", "RequestResponse"):
        with pytest.raises(client.exceptions.InvalidRequestContentException):
            client.invoke(FunctionName=fn.name, InvocationType=invocation_type, Payload=b"{nope")


def test_unknown_function_is_lambdas_404(aws, invoker: Invoker) -> None:
    client = aws.client("lambda")
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.invoke(FunctionName="does-not-exist", Payload=b"{}")
