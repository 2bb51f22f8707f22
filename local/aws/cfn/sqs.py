"""AWS::SQS::Queue: moto creates queues with every attribute (KmsMasterKeyId,
SqsManagedSseEnabled, MessageRetentionPeriod, RedrivePolicy, ...) but its update only changes
two of them. Here an update sets all attributes and tags; QueueName and FifoQueue replace."""

from __future__ import annotations

import copy
from typing import Any

from moto.core.common_models import CloudFormationModel
from moto.sqs.models import Queue, SQSBackend, sqs_backends

from local.aws.cfn.common import ResourceType, properties, tag_dict

_IDENTITY = ("QueueName", "FifoQueue", "Tags")


def _backend(account_id: str, region_name: str) -> SQSBackend:
    return sqs_backends[account_id][region_name]


class QueueResource(ResourceType, CloudFormationModel):
    """Factory only: the stack holds moto's Queue (Ref: URL, GetAtt Arn/QueueName/QueueUrl)."""

    cfn_type = "AWS::SQS::Queue"
    cfn_name_type = "QueueName"
    getatt_from = Queue

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[misc]
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> Queue:
        return Queue.create_from_cloudformation_json(
            resource_name, copy.deepcopy(cloudformation_json), account_id, region_name
        )

    @classmethod
    def update_from_cloudformation_json(  # type: ignore[misc]
        cls,
        original_resource: Queue,
        new_resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> Queue:
        props = properties(cloudformation_json)
        fifo = str(props.get("FifoQueue", "false")).lower() == "true"
        name = props.get("QueueName", original_resource.name)
        if name != original_resource.name or fifo != original_resource.fifo_queue:
            new = cls.create_from_cloudformation_json(
                new_resource_name, cloudformation_json, account_id, region_name
            )
            _backend(account_id, region_name).delete_queue(original_resource.name)
            return new
        attributes = {k: v for k, v in props.items() if k not in _IDENTITY}
        original_resource._set_attributes(attributes)
        original_resource.tags = tag_dict(props.get("Tags"))
        return original_resource

    @classmethod
    def delete_from_cloudformation_json(  # type: ignore[misc]
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> None:
        Queue.delete_from_cloudformation_json(
            resource_name, cloudformation_json, account_id, region_name
        )
