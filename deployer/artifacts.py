"""The artifacts bucket: found or created locked down, and content-addressed uploads."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError

from .errors import DeployError
from .ui import UI

CODE_PREFIX = "lambda/"
TEMPLATE_PREFIX = "templates/"
CODE_EXPIRY_DAYS = 90  # an artifact still in use is re-uploaded by the next deploy
TEMPLATE_EXPIRY_DAYS = 30


def default_bucket_name(account: str, region: str) -> str:
    return f"pixel-prompt-artifacts-{account}-{region}"


@dataclass
class ArtifactBucket:
    s3: Any
    name: str
    region: str

    def exists(self, key: str) -> bool:
        try:
            self.s3.head_object(Bucket=self.name, Key=key)
        except ClientError as exc:
            if _code(exc) in {"404", "NoSuchKey", "NotFound"}:
                return False
            raise
        return True

    def upload_file(self, path: Path, key: str) -> bool:
        """Upload unless the key already exists (keys are content hashes). True if uploaded."""
        if self.exists(key):
            return False
        with path.open("rb") as body:
            self.s3.put_object(Bucket=self.name, Key=key, Body=body)
        return True

    def upload_bytes(self, data: bytes, key: str) -> bool:
        if self.exists(key):
            return False
        self.s3.put_object(Bucket=self.name, Key=key, Body=data)
        return True

    def url(self, key: str) -> str:
        """A virtual-hosted S3 URL, the form CloudFormation's TemplateURL accepts."""
        return f"https://{self.name}.s3.{self.region}.amazonaws.com/{key}"


def ensure_bucket(
    s3: Any, name: str, region: str, ui: UI, *, tls_only: bool = True, finish_setup: bool = True
) -> ArtifactBucket:
    """Use the bucket if it is ours; create it (encrypted, private, TLS-only) if missing.

    `tls_only=False` is for a plain-HTTP local endpoint, which that policy would lock out.
    `finish_setup` (for the default bucket, which only deploy.py makes) completes the set-up
    of a bucket that a run interrupted between creating and locking it down; a bucket named
    with --artifacts-bucket is the user's and keeps its own settings.
    """
    try:
        s3.head_bucket(Bucket=name)
        if finish_setup and not _set_up(s3, name):
            ui.step(f"Finishing the set-up of {name} (an earlier run stopped half-way)")
            _lock_down(s3, name, tls_only)
        return ArtifactBucket(s3, name, region)
    except ClientError as exc:
        if _code(exc) in {"403", "AccessDenied", "Forbidden"}:
            raise DeployError(
                f"The artifacts bucket {name} exists but this account cannot use it.",
                fix="Pass --artifacts-bucket with a bucket of your own.",
            ) from exc
        if _code(exc) not in {"404", "NoSuchBucket", "NotFound"}:
            raise
    ui.step(f"Creating the artifacts bucket {name}")
    create: dict[str, Any] = {"Bucket": name}
    if region != "us-east-1":
        create["CreateBucketConfiguration"] = {"LocationConstraint": region}
    s3.create_bucket(**create)
    _lock_down(s3, name, tls_only)
    return ArtifactBucket(s3, name, region)


def _set_up(s3: Any, name: str) -> bool:
    """Whether `_lock_down` finished: its last step, the lifecycle rules, is in place."""
    try:
        rules = s3.get_bucket_lifecycle_configuration(Bucket=name).get("Rules", [])
    except ClientError as exc:
        if _code(exc) == "NoSuchLifecycleConfiguration":
            return False
        raise
    return {r.get("ID") for r in rules} >= {r["ID"] for r in lifecycle_rules()}


def _lock_down(s3: Any, name: str, tls_only: bool) -> None:
    """Private, encrypted, TLS-only, expiring; the lifecycle rules come last (see `_set_up`)."""
    s3.put_public_access_block(
        Bucket=name,
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": True,
            "IgnorePublicAcls": True,
            "BlockPublicPolicy": True,
            "RestrictPublicBuckets": True,
        },
    )
    s3.put_bucket_encryption(
        Bucket=name,
        ServerSideEncryptionConfiguration={
            "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
        },
    )
    if tls_only:
        s3.put_bucket_policy(Bucket=name, Policy=json.dumps(tls_only_policy(name)))
    s3.put_bucket_lifecycle_configuration(
        Bucket=name, LifecycleConfiguration={"Rules": lifecycle_rules()}
    )


def tls_only_policy(name: str) -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "DenyInsecureTransport",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:*",
                "Resource": [f"arn:aws:s3:::{name}", f"arn:aws:s3:::{name}/*"],
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            }
        ],
    }


def lifecycle_rules() -> list[dict[str, Any]]:
    def expire(rule_id: str, prefix: str, days: int) -> dict[str, Any]:
        return {
            "ID": rule_id,
            "Status": "Enabled",
            "Filter": {"Prefix": prefix},
            "Expiration": {"Days": days},
            "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 1},
        }

    return [
        expire("expire-old-code", CODE_PREFIX, CODE_EXPIRY_DAYS),
        expire("expire-old-templates", TEMPLATE_PREFIX, TEMPLATE_EXPIRY_DAYS),
    ]


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))
