"""AWS::IAM::Role: moto stores a template's inline policies as dicts (GetRolePolicy then cannot
serialise them) and its update touches only the description. Here inline policies are JSON text,
and an update replaces the trust policy, inline policies and tags. RoleName and Path replace."""

from __future__ import annotations

import json
from typing import Any

from moto.core.common_models import CloudFormationModel
from moto.iam.models import IAMBackend, Role, iam_backends
from moto.utilities.utils import get_partition

from local.aws.cfn.common import ResourceType, properties, tag_list


def _backend(account_id: str, region_name: str) -> IAMBackend:
    return iam_backends[account_id][get_partition(region_name)]


def _text(document: Any) -> str:
    return document if isinstance(document, str) else json.dumps(document)


def _put_inline_policies(role: Role, props: dict[str, Any]) -> None:
    role.policies.clear()
    for policy in props.get("Policies", []):
        role.put_policy(policy["PolicyName"], _text(policy["PolicyDocument"]))


class RoleResource(ResourceType, CloudFormationModel):
    """Factory only: the stack holds moto's Role (Ref: name, GetAtt Arn/RoleId)."""

    cfn_type = "AWS::IAM::Role"
    cfn_name_type = "RoleName"
    getatt_from = Role

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[misc]
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> Role:
        props = properties(cloudformation_json)
        role = _backend(account_id, region_name).create_role(
            role_name=props.get("RoleName", resource_name),
            assume_role_policy_document=_text(props["AssumeRolePolicyDocument"]),
            path=props.get("Path", "/"),
            permissions_boundary=props.get("PermissionsBoundary", ""),
            description=props.get("Description", ""),
            tags=tag_list(props.get("Tags")),
            max_session_duration=props.get("MaxSessionDuration", 3600),
        )
        _put_inline_policies(role, props)
        return role

    @classmethod
    def update_from_cloudformation_json(  # type: ignore[misc]
        cls,
        original_resource: Role,
        new_resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> Role:
        props = properties(cloudformation_json)
        same_identity = (props.get("RoleName", original_resource.name), props.get("Path", "/")) == (
            original_resource.name,
            original_resource.path,
        )
        if not same_identity:
            new = cls.create_from_cloudformation_json(
                new_resource_name, cloudformation_json, account_id, region_name
            )
            Role.delete_from_cloudformation_json(
                original_resource.name, cloudformation_json, account_id, region_name
            )
            return new
        role = original_resource
        role.assume_role_policy_document = _text(props["AssumeRolePolicyDocument"])
        role.description = props.get("Description", "")
        role.max_session_duration = props.get("MaxSessionDuration", 3600)
        role.tags = tag_list(props.get("Tags"))
        _put_inline_policies(role, props)
        return role

    @classmethod
    def delete_from_cloudformation_json(  # type: ignore[misc]
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> None:
        # moto's own cleanup also detaches the role from instance profiles and inline policies.
        Role.delete_from_cloudformation_json(
            resource_name, cloudformation_json, account_id, region_name
        )
