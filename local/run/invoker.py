"""Lambda Invoke semantics for the local run: synchronous calls, and the asynchronous queue.

`InvocationType=Event` is accepted with 202 at once and queued. A failed asynchronous invocation
(unhandled error, timeout, crash) is retried as Lambda does (two more attempts unless the
function's event-invoke config says otherwise; Lambda waits about 1 and 2 minutes, locally the
delays are short) and then goes to the function's dead-letter queue with Lambda's message
attributes. Nothing is dropped without a log line.
"""

from __future__ import annotations

import json
import queue
import threading
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError

from .aws import LocalAwsClients
from .function_runner import FunctionNotFound, FunctionRegistry, InvokeResult, Throttled
from .logs import LogSink

DEFAULT_RETRY_DELAYS = (1.0, 2.0)
_ERROR_MESSAGE_LIMIT = 1024  # Lambda puts the first 1 KB of the error message in the DLQ record


@dataclass
class AsyncEvent:
    function_name: str
    payload: bytes
    request_id: str
    attempt: int = 0  # attempts made so far
    last_result: InvokeResult | None = None
    queued_at: float = field(default_factory=time.monotonic)


class Invoker:
    """Answers Lambda Invoke (the localaws hook) and runs the asynchronous event queue."""

    def __init__(
        self,
        aws: LocalAwsClients,
        registry: FunctionRegistry,
        sink: LogSink,
        *,
        concurrency: int = 3,
        retry_delays: Sequence[float] = DEFAULT_RETRY_DELAYS,
    ) -> None:
        self._aws = aws
        self._registry = registry
        self._sink = sink
        self._retry_delays = tuple(retry_delays)
        self._queue: queue.Queue[AsyncEvent | None] = queue.Queue()
        self._timers: set[threading.Timer] = set()
        self._in_flight = 0
        self._cond = threading.Condition()
        self._stopping = False
        self._qualifiers_noted: set[str] = set()
        self._consumers = [
            threading.Thread(target=self._consume, daemon=True, name=f"async-invoke-{i}")
            for i in range(max(1, concurrency))
        ]
        for thread in self._consumers:
            thread.start()

    # --- the Invoke API ---------------------------------------------------------------------

    def handle_invoke(
        self, function_name: str, qualifier: str | None, payload: bytes, invocation_type: str
    ) -> tuple[int, bytes, dict[str, str]]:
        """The localaws invoke handler: (status, body, headers) as Lambda's Invoke answers."""
        try:
            json.loads(payload or b"{}")
        except ValueError:  # Lambda refuses a body that is not JSON, before queueing anything
            body = {"Type": "User", "message": "Could not parse request body into json"}
            return (
                400,
                json.dumps(body).encode(),
                {"x-amzn-errortype": "InvalidRequestContentException"},
            )
        if qualifier not in (None, "$LATEST") and qualifier not in self._qualifiers_noted:
            # Versions and aliases are not emulated: every qualifier runs the deployed code.
            self._qualifiers_noted.add(qualifier)
            self._sink.info("invoke", f"{function_name}:{qualifier} runs $LATEST locally")
        if invocation_type == "Event":
            request_id = self.submit(function_name, payload)
            return 202, b"", {"x-amzn-requestid": request_id}
        try:
            result = self._registry.get(function_name).invoke(payload)
        except FunctionNotFound:
            body = {"Type": "User", "Message": f"Function not found: {function_name}"}
            return 404, json.dumps(body).encode(), {"x-amzn-errortype": "ResourceNotFoundException"}
        except Throttled as exc:
            body = {"Type": "User", "message": f"Rate Exceeded. {exc}"}
            return 429, json.dumps(body).encode(), {"x-amzn-errortype": "TooManyRequestsException"}
        headers = {"x-amzn-requestid": result.request_id}
        if not result.ok:
            headers["X-Amz-Function-Error"] = "Unhandled"
        return 200, result.payload, headers

    def submit(self, function_name: str, payload: bytes) -> str:
        """Queue an asynchronous invocation; returns its request id."""
        event = AsyncEvent(function_name, payload, str(uuid.uuid4()))
        with self._cond:
            if self._stopping:
                self._sink.info("invoke", f"stopping: event {event.request_id[:8]} not queued")
                return event.request_id
            self._in_flight += 1
        self._queue.put(event)
        return event.request_id

    # --- the queue --------------------------------------------------------------------------

    def _consume(self) -> None:
        while True:
            event = self._queue.get()
            if event is None:
                return
            try:
                self._attempt(event)
            except Exception as exc:  # never lose the consumer thread, nor the event silently
                self._sink.info("invoke", f"event {event.request_id[:8]} failed internally: {exc}")
                self._done()

    def _done(self) -> None:
        with self._cond:
            self._in_flight -= 1
            self._cond.notify_all()

    def _too_old(self, event: AsyncEvent, after_s: float = 0.0) -> bool:
        """Past the function's MaximumEventAgeInSeconds (Lambda then dead-letters the event)."""
        max_age = self._invoke_config(event.function_name).get("MaximumEventAgeInSeconds")
        age = time.monotonic() - event.queued_at + after_s
        return max_age is not None and age > float(max_age)

    def _attempt(self, event: AsyncEvent) -> None:
        if self._too_old(event):
            expired = InvokeResult(
                event.request_id,
                False,
                b"",
                "EventAgeExceeded",
                error={"errorMessage": "the event was older than MaximumEventAgeInSeconds"},
            )
            self._dead_letter(event, event.last_result or expired)
            self._done()
            return
        try:
            runner = self._registry.get(event.function_name)
            result = runner.invoke(event.payload, request_id=event.request_id)
        except FunctionNotFound:
            self._sink.info("invoke", f"event for unknown function {event.function_name} dropped")
            self._done()
            return
        except Throttled as exc:
            if self._stopping:
                self._sink.info("invoke", f"stopping: event {event.request_id[:8]} abandoned")
                self._done()
                return
            result = InvokeResult(
                event.request_id,
                False,
                b"",
                "TooManyRequestsException",
                error={"errorMessage": str(exc)},
            )
        event.attempt += 1
        event.last_result = result
        if result.ok:
            self._done()
            return
        if self._stopping:  # the failure is our shutdown killing the worker, not the function's
            self._sink.info("invoke", f"stopping: event {event.request_id[:8]} abandoned")
            self._done()
            return
        retries = self._max_retries(event.function_name)
        delay = (
            self._retry_delays[min(event.attempt - 1, len(self._retry_delays) - 1)]
            if (self._retry_delays)
            else 0.0
        )
        if event.attempt <= retries and not self._stopping and not self._too_old(event, delay):
            self._sink.info(
                "invoke",
                f"async {event.function_name} {event.request_id[:8]} failed "
                f"({result.error_type}: {result.error_message[:120]}); "
                f"retry {event.attempt}/{retries} in {delay:g}s",
            )
            self._schedule(event, delay)
            return
        self._dead_letter(event, result)
        self._done()

    def _schedule(self, event: AsyncEvent, delay: float) -> None:
        def fire() -> None:
            with self._cond:
                self._timers.discard(timer)
            self._queue.put(event)

        timer = threading.Timer(delay, fire)
        timer.daemon = True
        with self._cond:
            self._timers.add(timer)
        timer.start()

    def _invoke_config(self, function_name: str) -> dict[str, Any]:
        try:
            return dict(
                self._aws.client("lambda").get_function_event_invoke_config(
                    FunctionName=function_name
                )
            )
        except (ClientError, KeyError, ValueError):
            return {}  # Lambda's defaults: 2 retries, 6 hours

    def _max_retries(self, function_name: str) -> int:
        try:
            return int(self._invoke_config(function_name).get("MaximumRetryAttempts", 2))
        except (TypeError, ValueError):
            return 2  # Lambda's default

    def _dead_letter(self, event: AsyncEvent, result: InvokeResult) -> None:
        try:
            deployment = self._registry.get(event.function_name).deployment()
            target = deployment.dead_letter_arn
        except Exception as exc:
            target = None
            self._sink.info("invoke", f"cannot read {event.function_name}'s DLQ: {exc}")
        message = (result.error_message or result.error_type or "Unhandled")[:_ERROR_MESSAGE_LIMIT]
        summary = (
            f"async {event.function_name} {event.request_id[:8]} failed after "
            f"{event.attempt} attempts ({result.error_type}: {message[:120]})"
        )
        if not target:
            self._sink.info("invoke", f"{summary}; no dead-letter queue, event DISCARDED")
            return
        attributes = {
            "RequestID": {"DataType": "String", "StringValue": event.request_id},
            "ErrorCode": {"DataType": "Number", "StringValue": "200"},
            "ErrorMessage": {"DataType": "String", "StringValue": message or "Unhandled"},
        }
        body = event.payload.decode("utf-8", errors="replace") or "{}"
        try:
            self._send(target, body, attributes)
            self._sink.info("invoke", f"{summary}; sent to dead-letter queue {target}")
        except (ClientError, ValueError) as exc:
            self._sink.info("invoke", f"{summary}; dead-letter delivery FAILED ({exc}): {body}")

    def _send(self, target_arn: str, body: str, attributes: dict[str, Any]) -> None:
        parts = target_arn.split(":")
        service, account, name = parts[2], parts[4], parts[5]
        if service == "sqs":
            sqs = self._aws.client("sqs")
            url = sqs.get_queue_url(QueueName=name, QueueOwnerAWSAccountId=account)["QueueUrl"]
            sqs.send_message(QueueUrl=url, MessageBody=body, MessageAttributes=attributes)
        elif service == "sns":
            self._aws.client("sns").publish(
                TopicArn=target_arn, Message=body, MessageAttributes=attributes
            )
        else:
            raise ValueError(f"unsupported dead-letter target {target_arn}")

    # --- lifecycle --------------------------------------------------------------------------

    def drain(self, timeout: float) -> bool:
        """Wait until every queued event finished (tests, orderly stop). True if drained."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._in_flight > 0:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._cond.wait(remaining)
        return True

    def stop(self, join: bool = True) -> None:
        """Refuse new events, cancel pending retries, end the consumers (after `join`)."""
        with self._cond:
            self._stopping = True
            timers = list(self._timers)
            self._timers.clear()
            pending = self._in_flight
        for timer in timers:
            timer.cancel()
        if pending:
            self._sink.info(
                "invoke", f"stopping with {pending} asynchronous invocation(s) unfinished"
            )
        for _ in self._consumers:
            self._queue.put(None)
        if join:
            self.join()

    def join(self, timeout: float = 2.0) -> None:
        """Wait for the consumers; call after the workers were stopped so none is blocked."""
        for thread in self._consumers:
            thread.join(timeout=timeout)
