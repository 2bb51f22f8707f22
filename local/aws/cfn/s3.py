"""AWS::S3::Bucket (with the settings stock moto ignores) and AWS::S3::BucketPolicy.

moto's own bucket model applies only encryption and tags from a template; this one also applies
CORS, lifecycle, public access block, ownership controls and versioning on create and on update
(removing a setting from the template removes it from the bucket), and keeps moto's bucket object
so Ref/GetAtt (Arn, DomainName, RegionalDomainName, ...) stay as moto computes them.
"""

from __future__ import annotations

import json
from typing import Any

from moto.core.common_models import CloudFormationModel
from moto.s3.cloud_formation import cfn_to_api_encryption
from moto.s3.exceptions import BucketNotEmpty
from moto.s3.models import FakeBucket, S3Backend, s3_backends
from moto.utilities.utils import get_partition

from local.aws.cfn.common import ResourceType, properties, tag_dict


def _backend(account_id: str, region_name: str) -> S3Backend:
    return s3_backends[account_id][get_partition(region_name)]


def cors_rules(cfn: dict[str, Any]) -> list[dict[str, Any]]:
    rules = []
    for rule in cfn.get("CorsRules", []):
        out: dict[str, Any] = {
            "AllowedMethod": list(rule["AllowedMethods"]),
            "AllowedOrigin": list(rule["AllowedOrigins"]),
        }
        if "AllowedHeaders" in rule:
            out["AllowedHeader"] = list(rule["AllowedHeaders"])
        if "ExposedHeaders" in rule:
            out["ExposeHeader"] = list(rule["ExposedHeaders"])
        if "MaxAge" in rule:
            out["MaxAgeSeconds"] = str(rule["MaxAge"])  # moto's XML path passes strings
        if "Id" in rule:
            out["ID"] = str(rule["Id"])
        rules.append(out)
    return rules


def lifecycle_rules(cfn: dict[str, Any]) -> list[dict[str, Any]]:
    rules = []
    for rule in cfn.get("Rules", []):
        out: dict[str, Any] = {"Status": rule["Status"]}
        if "Id" in rule:
            out["ID"] = rule["Id"]
        prefix = rule.get("Prefix", "")
        tags = [{"Key": t["Key"], "Value": t["Value"]} for t in rule.get("TagFilters", [])]
        if tags:
            out["Filter"] = {"And": {"Prefix": prefix, "Tag": tags}}
        else:
            out["Filter"] = {"Prefix": prefix}
        expiration = {}
        if "ExpirationInDays" in rule:
            expiration["Days"] = rule["ExpirationInDays"]
        if "ExpirationDate" in rule:
            expiration["Date"] = rule["ExpirationDate"]
        if "ExpiredObjectDeleteMarker" in rule:
            expiration["ExpiredObjectDeleteMarker"] = rule["ExpiredObjectDeleteMarker"]
        if expiration:
            out["Expiration"] = expiration
        if "AbortIncompleteMultipartUpload" in rule:
            out["AbortIncompleteMultipartUpload"] = dict(rule["AbortIncompleteMultipartUpload"])
        if "NoncurrentVersionExpiration" in rule:
            out["NoncurrentVersionExpiration"] = dict(rule["NoncurrentVersionExpiration"])
        elif "NoncurrentVersionExpirationInDays" in rule:
            days = rule["NoncurrentVersionExpirationInDays"]
            out["NoncurrentVersionExpiration"] = {"NoncurrentDays": days}
        transitions = list(rule.get("Transitions", []))
        if "Transition" in rule:
            transitions.append(rule["Transition"])
        if transitions:
            out["Transition"] = [
                {
                    "StorageClass": t["StorageClass"],
                    "Days": t.get("TransitionInDays"),
                    "Date": t.get("TransitionDate"),
                }
                for t in transitions
            ]
        nv_transitions = list(rule.get("NoncurrentVersionTransitions", []))
        if "NoncurrentVersionTransition" in rule:
            nv_transitions.append(rule["NoncurrentVersionTransition"])
        if nv_transitions:
            out["NoncurrentVersionTransition"] = [
                {
                    "StorageClass": t["StorageClass"],
                    "NoncurrentDays": t["TransitionInDays"],
                    "NewerNoncurrentVersions": t.get("NewerNoncurrentVersions"),
                }
                for t in nv_transitions
            ]
        rules.append(out)
    return rules


def apply_settings(backend: S3Backend, name: str, props: dict[str, Any]) -> None:
    """Make the bucket's settings match the template: put what is there, remove what is not."""
    if "BucketEncryption" in props:
        backend.put_bucket_encryption(name, cfn_to_api_encryption(props["BucketEncryption"]))
    else:
        backend.delete_bucket_encryption(name)
    if props.get("CorsConfiguration"):
        backend.put_bucket_cors(name, cors_rules(props["CorsConfiguration"]))
    else:
        backend.delete_bucket_cors(name)
    if props.get("LifecycleConfiguration"):
        backend.put_bucket_lifecycle(name, lifecycle_rules(props["LifecycleConfiguration"]))
    else:
        backend.delete_bucket_lifecycle(name)
    if props.get("PublicAccessBlockConfiguration"):
        backend.put_public_access_block(name, dict(props["PublicAccessBlockConfiguration"]))
    else:
        backend.delete_public_access_block(name)
    rules = (props.get("OwnershipControls") or {}).get("Rules") or []
    if rules:
        backend.put_bucket_ownership_controls(name, rules[0]["ObjectOwnership"])
    else:
        backend.delete_bucket_ownership_controls(name)
    versioning = props.get("VersioningConfiguration")
    if versioning:
        backend.put_bucket_versioning(name, versioning["Status"])
    elif backend.get_bucket(name).versioning_status == "Enabled":
        backend.put_bucket_versioning(name, "Suspended")  # S3 cannot un-version a bucket
    backend.put_bucket_tagging(name, tag_dict(props.get("Tags")))


class BucketResource(ResourceType, CloudFormationModel):
    """Factory only: the stack holds moto's FakeBucket, so bucket APIs and Ref/GetAtt agree."""

    cfn_type = "AWS::S3::Bucket"
    cfn_name_type = "BucketName"
    getatt_from = FakeBucket

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[misc]
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> FakeBucket:
        bucket = FakeBucket.create_from_cloudformation_json(
            resource_name, cloudformation_json, account_id, region_name
        )
        apply_settings(
            _backend(account_id, region_name), bucket.name, properties(cloudformation_json)
        )
        return bucket

    @classmethod
    def update_from_cloudformation_json(  # type: ignore[misc]
        cls,
        original_resource: FakeBucket,
        new_resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> FakeBucket:
        props = properties(cloudformation_json)
        if props.get("BucketName", original_resource.name) != original_resource.name:
            new = cls.create_from_cloudformation_json(
                props["BucketName"], cloudformation_json, account_id, region_name
            )
            cls.delete_from_cloudformation_json(
                original_resource.name, cloudformation_json, account_id, region_name
            )
            return new
        apply_settings(_backend(account_id, region_name), original_resource.name, props)
        return original_resource

    @classmethod
    def delete_from_cloudformation_json(  # type: ignore[misc]
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> None:
        backend = _backend(account_id, region_name)
        if resource_name not in backend.buckets:
            return  # already gone: nothing left to delete
        # moto quietly keeps a bucket that still holds objects; CloudFormation fails instead.
        if backend.delete_bucket(resource_name) is None:
            raise BucketNotEmpty(resource_name)


class BucketPolicyResource(ResourceType, CloudFormationModel):
    """The policy lives on the bucket; the resource's id is the bucket name."""

    cfn_type = "AWS::S3::BucketPolicy"

    def __init__(self, bucket_name: str) -> None:
        self.bucket_name = bucket_name

    @property
    def physical_resource_id(self) -> str:
        return self.bucket_name

    @staticmethod
    def _document(props: dict[str, Any]) -> bytes:
        doc = props["PolicyDocument"]
        return (doc if isinstance(doc, str) else json.dumps(doc)).encode("utf-8")

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[misc]
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> BucketPolicyResource:
        props = properties(cloudformation_json)
        _backend(account_id, region_name).put_bucket_policy(props["Bucket"], cls._document(props))
        return cls(props["Bucket"])

    @classmethod
    def update_from_cloudformation_json(  # type: ignore[misc]
        cls,
        original_resource: BucketPolicyResource,
        new_resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> BucketPolicyResource:
        props = properties(cloudformation_json)
        if props["Bucket"] != original_resource.bucket_name:  # Bucket needs replacement
            original_resource.delete(account_id, region_name)
        _backend(account_id, region_name).put_bucket_policy(props["Bucket"], cls._document(props))
        return cls(props["Bucket"])

    @classmethod
    def delete_from_cloudformation_json(  # type: ignore[misc]
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> None:
        cls(resource_name).delete(account_id, region_name)

    def delete(self, account_id: str, region_name: str) -> None:
        backend = _backend(account_id, region_name)
        if self.bucket_name in backend.buckets:  # a retained bucket may outlive its policy
            backend.delete_bucket_policy(self.bucket_name)
