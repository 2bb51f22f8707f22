"""AWS::SecretsManager::Secret in moto's secretsmanager backend (moto has no CloudFormation model
for it): created with its SecretString, updated in place (a changed SecretString is a new
version with AWSCURRENT, as CloudFormation's update puts one), deleted with the stack.

GenerateSecretString is not emulated: a template that uses it is refused at create, loudly.
"""

from __future__ import annotations

import json
from typing import Any

from moto.core.common_models import CloudFormationModel
from moto.secretsmanager.models import SecretsManagerBackend, secretsmanager_backends

from local.aws.cfn.common import ResourceType, properties, tag_list


def _backend(account_id: str, region_name: str) -> SecretsManagerBackend:
    return secretsmanager_backends[account_id][region_name]


def _secret_string(props: dict[str, Any]) -> str:
    if "GenerateSecretString" in props:
        raise ValueError("localaws does not emulate GenerateSecretString; give a SecretString")
    return str(props.get("SecretString", ""))


class SecretResource(ResourceType, CloudFormationModel):
    """Ref and GetAtt Id: the secret's ARN."""

    cfn_type = "AWS::SecretsManager::Secret"
    cfn_name_type = "Name"
    getatt_names = frozenset({"Id"})

    def __init__(self, arn: str) -> None:
        self.arn = arn

    @property
    def physical_resource_id(self) -> str:
        return self.arn

    def getatt_values(self) -> dict[str, Any]:
        return {"Id": self.arn}

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[misc]
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> SecretResource:
        props = properties(cloudformation_json)
        created = _backend(account_id, region_name).create_secret(
            name=props.get("Name") or resource_name,
            secret_string=_secret_string(props),
            secret_binary=None,
            description=props.get("Description"),
            tags=tag_list(props.get("Tags")),
            kms_key_id=props.get("KmsKeyId"),
            client_request_token=None,
            replica_regions=[],
            force_overwrite=False,
        )
        return cls(_arn_of(created))

    @classmethod
    def update_from_cloudformation_json(  # type: ignore[misc]
        cls,
        original_resource: SecretResource,
        new_resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> SecretResource:
        props = properties(cloudformation_json)
        backend = _backend(account_id, region_name)
        current = backend.get_secret_value(original_resource.arn, None, None)
        text = _secret_string(props)
        if current.get("SecretString") != text:
            backend.put_secret_value(original_resource.arn, text, "", None, ["AWSCURRENT"])
        secret = backend.secrets[original_resource.arn]
        secret.description = props.get("Description")
        secret.tags = tag_list(props.get("Tags"))
        return original_resource

    @classmethod
    def delete_from_cloudformation_json(  # type: ignore[misc]
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> None:
        _delete(account_id, region_name, resource_name)

    def delete(self, account_id: str, region_name: str) -> None:
        _delete(account_id, region_name, self.arn)


def _arn_of(created: Any) -> str:
    """moto's create_secret answers the API's JSON text (a dict in some versions)."""
    return str((json.loads(created) if isinstance(created, str) else created)["ARN"])


def _delete(account_id: str, region_name: str, secret_id: str) -> None:
    backend = _backend(account_id, region_name)
    if secret_id in backend.secrets:
        # CloudFormation deletes a stack's secret at once (no recovery window to wait out).
        backend.delete_secret(secret_id, None, True)
