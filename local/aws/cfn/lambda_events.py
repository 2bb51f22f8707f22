"""SQS event source mappings that the local run polls.

For an SQS event source mapping stock moto invokes the function itself inside `SendMessage`,
through its Docker path. Here the mapping is kept (ListEventSourceMappings shows it, with every
property) but detached from the queue: the local run's poller (`local.run.event_sources`)
receives the messages and runs the deployed code, as Lambda's pollers do.
"""

from __future__ import annotations

from typing import Any

from moto.awslambda.models import EventSourceMapping, LambdaBackend
from moto.sqs.models import sqs_backends

_original_create_esm = LambdaBackend.create_event_source_mapping


def _create_event_source_mapping(self: LambdaBackend, spec: dict[str, Any]) -> EventSourceMapping:
    esm = _original_create_esm(self, spec)
    for queue in sqs_backends[self.account_id][self.region_name].queues.values():
        if queue.queue_arn == esm.event_source_arn:
            # No invocation inside SendMessage: the local run polls the queue instead.
            queue.lambda_event_source_mappings.pop(esm.function_arn, None)
    return esm


def install() -> None:
    if LambdaBackend.create_event_source_mapping is _create_event_source_mapping:
        return
    LambdaBackend.create_event_source_mapping = _create_event_source_mapping  # type: ignore[method-assign]
