"""Security-scanner findings accepted on purpose, each with the reason, kept in one place.

They go into each resource's Metadata as `{"checkov": {"skip": [{"id", "comment"}]}}`, the
form checkov reads, so the template itself records why a check does not apply.
"""

from __future__ import annotations

from typing import Any

REASONS: dict[str, str] = {
    "CKV_AWS_18": (
        "No S3 server access logging: it needs a second bucket with ACLs, and every read "
        "comes through CloudFront while every write comes from the function's own role."
    ),
    "CKV_AWS_21": (
        "No versioning: generated images and job records expire after 30 days and "
        "status.json is rewritten many times per job; old versions would only pile up."
    ),
    "CKV_AWS_27": (
        "Encrypted at rest with SQS-managed SSE (SqsManagedSseEnabled); a customer KMS key "
        "would add cost and a key policy for a queue that only holds failed invocations."
    ),
    "CKV_AWS_68": (
        "No WAF: the distribution serves immutable images and the static page read-only; "
        "the API applies its own per-IP and global rate limits and stage throttling."
    ),
    "CKV_AWS_86": (
        "No CloudFront standard logs: they need a log bucket with ACLs enabled, which the "
        "BucketOwnerEnforced ownership of this stack's bucket rules out."
    ),
    "CKV_AWS_117": (
        "Not in a VPC: the function calls public provider APIs over HTTPS and touches only "
        "S3, SQS, Lambda and Bedrock; a VPC would need a NAT gateway for nothing gained."
    ),
    "CKV_AWS_158": (
        "Logs are encrypted at rest by CloudWatch Logs; a customer KMS key adds cost and a "
        "key policy for 7 days of logs that never hold provider keys."
    ),
    "CKV_AWS_149": (
        "AWS managed key: only the function's role may read the secret; a customer key "
        "would not narrow who can decrypt."
    ),
    "CKV2_AWS_57": (
        "Provider keys are issued by the providers: rotating one is a new key and a redeploy."
    ),
    "CKV_AWS_173": (
        "Lambda encrypts environment variables at rest with its AWS-managed key; they hold no "
        "secret (the keys are in Secrets Manager), so a customer key would add no boundary."
    ),
    "CKV_AWS_174": (
        "The distribution uses the default *.cloudfront.net certificate, for which "
        "CloudFront fixes the security policy; a minimum TLS version needs a custom domain."
    ),
}


def checkov_skips(*check_ids: str) -> dict[str, Any]:
    """Resource Metadata that records the accepted findings (unknown ids raise KeyError)."""
    return {"checkov": {"skip": [{"id": i, "comment": REASONS[i]} for i in check_ids]}}
