"""AWS::Lambda::EventInvokeConfig, and SQS event source mappings that the local run polls.

Stock moto has no CloudFormation model for a function's event-invoke config (the template's
retry count and maximum event age would be dropped), and for an SQS event source mapping it
invokes the function itself inside `SendMessage`, through its Docker path. Here the mapping is
kept (ListEventSourceMappings shows it, with every property) but detached from the queue: the
local run's poller (`local.run.event_sources`) receives the messages and runs the deployed code,
as Lambda's pollers do.
"""

from __future__ import annotations

import contextlib
from typing import Any

from moto.awslambda.models import EventSourceMapping, LambdaBackend
from moto.core.common_models import CloudFormationModel
from moto.sqs.models import sqs_backends

from local.aws.cfn.awslambda import _backend
from local.aws.cfn.common import ResourceType, properties

_INVOKE_CONFIG_KEYS = ("MaximumEventAgeInSeconds", "MaximumRetryAttempts", "DestinationConfig")
_original_create_esm = LambdaBackend.create_event_source_mapping


class EventInvokeConfigResource(ResourceType, CloudFormationModel):
    """The retry policy of a function's asynchronous invocations; physical id = function name."""

    cfn_type = "AWS::Lambda::EventInvokeConfig"

    def __init__(self, function_name: str) -> None:
        self.function_name = function_name

    @property
    def physical_resource_id(self) -> str:
        return self.function_name

    @staticmethod
    def _put(props: dict[str, Any], account_id: str, region_name: str) -> str:
        backend = _backend(account_id, region_name)
        fn = backend.get_function(props["FunctionName"])
        fn.event_invoke_config = []  # one config per function (moto would append a second)
        config = {key: props[key] for key in _INVOKE_CONFIG_KEYS if key in props}
        for key in ("MaximumEventAgeInSeconds", "MaximumRetryAttempts"):
            if key in config:
                config[key] = int(config[key])
        backend.put_function_event_invoke_config(fn.function_name, config)
        return str(fn.function_name)

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[misc]
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> EventInvokeConfigResource:
        return cls(cls._put(properties(cloudformation_json), account_id, region_name))

    @classmethod
    def update_from_cloudformation_json(  # type: ignore[misc]
        cls,
        original_resource: EventInvokeConfigResource,
        new_resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> EventInvokeConfigResource:
        return cls(cls._put(properties(cloudformation_json), account_id, region_name))

    @classmethod
    def delete_from_cloudformation_json(  # type: ignore[misc]
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> None:
        cls(properties(cloudformation_json)["FunctionName"]).delete(account_id, region_name)

    def delete(self, account_id: str, region_name: str) -> None:
        backend = _backend(account_id, region_name)
        with contextlib.suppress(Exception):  # the function went first: nothing to delete
            backend.get_function(self.function_name).event_invoke_config = []


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
