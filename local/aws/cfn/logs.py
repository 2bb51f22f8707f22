"""AWS::Logs::LogGroup: moto creates it (with RetentionInDays) but has no update, so a changed
retention or tag set would drop the group from the stack. A new LogGroupName replaces it."""

from __future__ import annotations

from typing import Any

from moto.core.common_models import CloudFormationModel
from moto.logs.models import LogGroup, LogsBackend, logs_backends

from local.aws.cfn.common import ResourceType, properties, tag_dict


def _backend(account_id: str, region_name: str) -> LogsBackend:
    return logs_backends[account_id][region_name]


class LogGroupResource(ResourceType, CloudFormationModel):
    """Factory only: the stack holds moto's LogGroup (Ref: name, GetAtt Arn)."""

    cfn_type = "AWS::Logs::LogGroup"
    cfn_name_type = "LogGroupName"
    getatt_from = LogGroup

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[misc]
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> LogGroup:
        props = properties(cloudformation_json)
        kwargs = {
            "RetentionInDays": props.get("RetentionInDays"),
            "kmsKeyId": props.get("KmsKeyId"),
        }
        return _backend(account_id, region_name).create_log_group(
            resource_name, tag_dict(props.get("Tags")), **kwargs
        )

    @classmethod
    def update_from_cloudformation_json(  # type: ignore[misc]
        cls,
        original_resource: LogGroup,
        new_resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> LogGroup:
        props = properties(cloudformation_json)
        if props.get("LogGroupName", original_resource.name) != original_resource.name:
            new = cls.create_from_cloudformation_json(
                props["LogGroupName"], cloudformation_json, account_id, region_name
            )
            original_resource.delete(account_id, region_name)
            return new
        backend = _backend(account_id, region_name)
        original_resource.set_retention_policy(props.get("RetentionInDays"))
        original_resource.kms_key_id = props.get("KmsKeyId")
        backend.tagger.delete_all_tags_for_resource(original_resource.arn)
        backend.tag_resource(original_resource.arn, tag_dict(props.get("Tags")))
        return original_resource

    @classmethod
    def delete_from_cloudformation_json(  # type: ignore[misc]
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> None:
        _backend(account_id, region_name).delete_log_group(resource_name)
