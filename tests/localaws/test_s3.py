"""A bucket's CORS, lifecycle, public access block, ownership, encryption and policy from a
template, on create and update; DeletionPolicy Retain keeps the bucket when the stack goes."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.localaws.helpers import delete, deploy, physical_ids

TEMPLATE: dict[str, Any] = {
    "Resources": {
        "Bucket": {
            "Type": "AWS::S3::Bucket",
            "DeletionPolicy": "Retain",
            "UpdateReplacePolicy": "Retain",
            "Properties": {
                "BucketEncryption": {
                    "ServerSideEncryptionConfiguration": [
                        {"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}
                    ]
                },
                "CorsConfiguration": {
                    "CorsRules": [
                        {
                            "AllowedMethods": ["GET", "HEAD"],
                            "AllowedOrigins": ["*"],
                            "AllowedHeaders": ["*"],
                            "MaxAge": 86400,
                        }
                    ]
                },
                "LifecycleConfiguration": {
                    "Rules": [
                        {
                            "Id": "expire-images",
                            "Prefix": "images/",
                            "Status": "Enabled",
                            "ExpirationInDays": 30,
                            "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 1},
                        }
                    ]
                },
                "PublicAccessBlockConfiguration": {
                    "BlockPublicAcls": True,
                    "BlockPublicPolicy": True,
                    "IgnorePublicAcls": True,
                    "RestrictPublicBuckets": True,
                },
                "OwnershipControls": {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]},
                "Tags": [{"Key": "Project", "Value": "pixel-prompt-complete"}],
            },
        },
        "Policy": {
            "Type": "AWS::S3::BucketPolicy",
            "Properties": {
                "Bucket": {"Ref": "Bucket"},
                "PolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Sid": "DenyInsecureTransport",
                            "Effect": "Deny",
                            "Principal": "*",
                            "Action": "s3:*",
                            "Resource": {"Fn::Sub": "${Bucket.Arn}/*"},
                            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                        }
                    ],
                },
            },
        },
    }
}

PUBLIC_ACCESS_BLOCKED = {
    "BlockPublicAcls": True,
    "IgnorePublicAcls": True,
    "BlockPublicPolicy": True,
    "RestrictPublicBuckets": True,
}


def test_bucket_settings_policy_update_and_retain(cfn: Any, client: Callable[[str], Any]) -> None:
    s3 = client("s3")
    deploy(cfn, "bucket", TEMPLATE)
    bucket = physical_ids(cfn, "bucket")["Bucket"]
    assert bucket.startswith("bucket-bucket-")

    assert s3.get_bucket_cors(Bucket=bucket)["CORSRules"] == [
        {
            "AllowedHeaders": ["*"],
            "AllowedMethods": ["GET", "HEAD"],
            "AllowedOrigins": ["*"],
            "MaxAgeSeconds": 86400,
        }
    ]
    (rule,) = s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]
    assert rule["ID"] == "expire-images"
    assert rule["Filter"] == {"Prefix": "images/"}
    assert rule["Expiration"] == {"Days": 30}
    assert rule["AbortIncompleteMultipartUpload"] == {"DaysAfterInitiation": 1}
    pab = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
    assert pab == PUBLIC_ACCESS_BLOCKED
    ownership = s3.get_bucket_ownership_controls(Bucket=bucket)["OwnershipControls"]
    assert ownership["Rules"] == [{"ObjectOwnership": "BucketOwnerEnforced"}]
    sse = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]
    assert sse["Rules"][0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    policy = json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"])
    assert policy["Statement"][0]["Resource"] == f"arn:aws:s3:::{bucket}/*"
    assert s3.get_bucket_tagging(Bucket=bucket)["TagSet"] == [
        {"Key": "Project", "Value": "pixel-prompt-complete"}
    ]

    changed = copy.deepcopy(TEMPLATE)
    props = changed["Resources"]["Bucket"]["Properties"]
    del props["CorsConfiguration"]
    props["LifecycleConfiguration"]["Rules"][0]["ExpirationInDays"] = 7
    deploy(cfn, "bucket", changed)
    assert physical_ids(cfn, "bucket")["Bucket"] == bucket  # updated in place
    with pytest.raises(ClientError) as err:
        s3.get_bucket_cors(Bucket=bucket)
    assert err.value.response["Error"]["Code"] == "NoSuchCORSConfiguration"
    (rule,) = s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]
    assert rule["Expiration"] == {"Days": 7}

    s3.put_object(Bucket=bucket, Key="images/kept.png", Body=b"png")
    delete(cfn, "bucket")
    # Retained, with its objects; the policy was a resource of its own and is gone.
    assert s3.get_object(Bucket=bucket, Key="images/kept.png")["Body"].read() == b"png"
    with pytest.raises(ClientError) as err:
        s3.get_bucket_policy(Bucket=bucket)
    assert err.value.response["Error"]["Code"] == "NoSuchBucketPolicy"


def test_bucket_without_retain_is_deleted(cfn: Any, client: Callable[[str], Any]) -> None:
    template = copy.deepcopy(TEMPLATE)
    del template["Resources"]["Bucket"]["DeletionPolicy"]
    deploy(cfn, "scratch", template)
    bucket = physical_ids(cfn, "scratch")["Bucket"]
    delete(cfn, "scratch")
    assert bucket not in [b["Name"] for b in client("s3").list_buckets()["Buckets"]]


def _policy(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def test_bucket_policy_enforcement_follows_statement_semantics(
    client: Callable[[str], Any],
) -> None:
    s3 = client("s3")
    s3.create_bucket(Bucket="policed")
    tls_only = {
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": "arn:aws:s3:::policed/*",
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }
    cloudfront_only = {
        "Effect": "Allow",
        "Principal": {"Service": "cloudfront.amazonaws.com"},
        "Action": "s3:GetObject",
        "Resource": "arn:aws:s3:::policed/*",
        "Condition": {"StringEquals": {"AWS:SourceArn": "arn:aws:cloudfront::1:distribution/X"}},
    }
    # The project's statements: the endpoint stands in for HTTPS, and a statement for a service
    # principal does not restrict other callers.
    s3.put_bucket_policy(Bucket="policed", Policy=_policy(tls_only, cloudfront_only))
    s3.put_object(Bucket="policed", Key="images/a.png", Body=b"a")
    assert s3.get_object(Bucket="policed", Key="images/a.png")["Body"].read() == b"a"

    # An unconditional deny for everyone is still enforced.
    deny_jobs = {
        "Effect": "Deny",
        "Principal": "*",
        "Action": ["s3:PutObject"],
        "Resource": "arn:aws:s3:::policed/jobs/*",
    }
    s3.put_bucket_policy(Bucket="policed", Policy=_policy(tls_only, deny_jobs))
    with pytest.raises(ClientError) as err:
        s3.put_object(Bucket="policed", Key="jobs/x.json", Body=b"{}")
    assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    s3.put_object(Bucket="policed", Key="images/b.png", Body=b"b")  # other prefixes still open
