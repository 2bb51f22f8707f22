"""The distribution's edge rules, read back from the local AWS: which cache behaviour a path
falls under, which headers its response-headers policy adds, and whether the bucket policy
lets this distribution (origin access control) read a key.

Everything comes from the deployed resources -- GetDistribution, GetResponseHeadersPolicy,
GetBucketPolicy -- never from a second copy of the template's rules.
"""

from __future__ import annotations

import fnmatch
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError

from .aws import LocalAwsClients

CLOUDFRONT = "cloudfront.amazonaws.com"
Headers = list[tuple[str, str]]


@dataclass(frozen=True)
class Behaviour:
    pattern: str  # "" for the default behaviour
    compress: bool
    headers_policy: Mapping[str, Any] = field(default_factory=dict)  # the API's config shape


@dataclass(frozen=True)
class Edge:
    behaviours: tuple[Behaviour, ...]  # in the distribution's order, default last
    distribution_arn: str
    bucket_arn: str
    bucket_policy: Mapping[str, Any] | None  # None: the bucket has no policy

    def behaviour_for(self, key: str) -> Behaviour:
        """CloudFront's rule: the first path pattern that matches, else the default."""
        for behaviour in self.behaviours:
            pattern = behaviour.pattern.lstrip("/")
            if not pattern or fnmatch.fnmatchcase(key, pattern):
                return behaviour
        return self.behaviours[-1]

    def may_read(self, key: str) -> bool:
        """Would S3 let this distribution GetObject `key`? An explicit deny wins; without an
        allow, origin access control is refused (403)."""
        if self.bucket_policy is None:
            return False
        context = {"aws:sourcearn": self.distribution_arn, "aws:securetransport": "true"}
        resource = f"{self.bucket_arn}/{key}"
        allowed = False
        for statement in _as_list(self.bucket_policy.get("Statement", [])):
            if _applies(statement, "s3:GetObject", resource, context):
                if statement.get("Effect") == "Deny":
                    return False
                allowed = True
        return allowed


def load(aws: LocalAwsClients, distribution_id: str, bucket: str) -> Edge:
    cloudfront = aws.client("cloudfront")
    distribution = cloudfront.get_distribution(Id=distribution_id)["Distribution"]
    config = distribution["DistributionConfig"]
    behaviours = [
        _behaviour(cloudfront, item, item.get("PathPattern", ""))
        for item in (config.get("CacheBehaviors") or {}).get("Items") or []
    ]
    behaviours.append(_behaviour(cloudfront, config.get("DefaultCacheBehavior") or {}, ""))
    return Edge(
        behaviours=tuple(behaviours),
        distribution_arn=distribution["ARN"],
        bucket_arn=f"arn:aws:s3:::{bucket}",
        bucket_policy=_bucket_policy(aws, bucket),
    )


def _behaviour(cloudfront: Any, item: Mapping[str, Any], pattern: str) -> Behaviour:
    policy_id = item.get("ResponseHeadersPolicyId")
    config: Mapping[str, Any] = {}
    if policy_id:
        answer = cloudfront.get_response_headers_policy(Id=policy_id)
        config = answer["ResponseHeadersPolicy"]["ResponseHeadersPolicyConfig"]
    return Behaviour(pattern=pattern, compress=bool(item.get("Compress")), headers_policy=config)


def _bucket_policy(aws: LocalAwsClients, bucket: str) -> Mapping[str, Any] | None:
    try:
        text = aws.client("s3").get_bucket_policy(Bucket=bucket)["Policy"]
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") == "NoSuchBucketPolicy":
            return None
        raise
    return json.loads(text)


# ---- response headers ---------------------------------------------------------------------


def add_headers(
    policy: Mapping[str, Any], request: Mapping[str, str], response: Headers
) -> Headers:
    """`response` with the policy's CORS, security and custom headers, as CloudFront adds them
    (an `Override` header replaces the origin's; otherwise the origin's is kept)."""
    out = list(response)
    cors = policy.get("CorsConfig")
    if cors and "origin" in request:
        for name, value in _cors(cors, request["origin"]):
            out = _set(out, name, value, bool(cors.get("OriginOverride")))
    for name, value, override in _security(policy.get("SecurityHeadersConfig") or {}):
        out = _set(out, name, value, override)
    for item in _items(policy.get("CustomHeadersConfig")):
        out = _set(out, item["Header"], item["Value"], bool(item.get("Override")))
    removed = {item["Header"].lower() for item in _items(policy.get("RemoveHeadersConfig"))}
    return [(k, v) for k, v in out if k.lower() not in removed]


def _cors(cors: Mapping[str, Any], origin: str) -> Headers:
    allowed = _items(cors.get("AccessControlAllowOrigins"))
    if "*" in allowed:
        out = [("Access-Control-Allow-Origin", "*")]
    elif origin in allowed:
        out = [("Access-Control-Allow-Origin", origin), ("Vary", "Origin")]
    else:
        return []
    if cors.get("AccessControlAllowCredentials"):
        out.append(("Access-Control-Allow-Credentials", "true"))
    exposed = _items(cors.get("AccessControlExposeHeaders"))
    if exposed:
        out.append(("Access-Control-Expose-Headers", ", ".join(exposed)))
    return out


def _security(config: Mapping[str, Any]) -> list[tuple[str, str, bool]]:
    out: list[tuple[str, str, bool]] = []
    hsts = config.get("StrictTransportSecurity")
    if hsts:
        value = f"max-age={hsts['AccessControlMaxAgeSec']}"
        value += "; includeSubDomains" if hsts.get("IncludeSubdomains") else ""
        value += "; preload" if hsts.get("Preload") else ""
        out.append(("Strict-Transport-Security", value, bool(hsts.get("Override"))))
    if "ContentTypeOptions" in config:
        override = bool(config["ContentTypeOptions"].get("Override"))
        out.append(("X-Content-Type-Options", "nosniff", override))
    frame = config.get("FrameOptions")
    if frame:
        out.append(("X-Frame-Options", frame["FrameOption"], bool(frame.get("Override"))))
    referrer = config.get("ReferrerPolicy")
    if referrer:
        out.append(("Referrer-Policy", referrer["ReferrerPolicy"], bool(referrer.get("Override"))))
    csp = config.get("ContentSecurityPolicy")
    if csp:
        out.append(
            ("Content-Security-Policy", csp["ContentSecurityPolicy"], bool(csp.get("Override")))
        )
    return out


def _set(headers: Headers, name: str, value: str, override: bool) -> Headers:
    present = any(k.lower() == name.lower() for k, _ in headers)
    if present and not override:
        return headers
    return [(k, v) for k, v in headers if k.lower() != name.lower()] + [(name, value)]


def _items(wrapper: Any) -> list[Any]:
    return list((wrapper or {}).get("Items") or [])


# ---- bucket policy ------------------------------------------------------------------------


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _matches(patterns: Any, value: str, *, case: bool = True) -> bool:
    if not case:
        return any(fnmatch.fnmatch(value.lower(), str(p).lower()) for p in _as_list(patterns))
    return any(fnmatch.fnmatchcase(value, str(p)) for p in _as_list(patterns))


def _for_cloudfront(principal: Any) -> bool:
    if principal == "*":
        return True
    if not isinstance(principal, dict):
        return False
    return CLOUDFRONT in _as_list(principal.get("Service", [])) or "*" in _as_list(
        principal.get("AWS", [])
    )


def _applies(
    statement: Mapping[str, Any], action: str, resource: str, context: Mapping[str, str]
) -> bool:
    if not _for_cloudfront(statement.get("Principal")):
        return False
    if not _matches(statement.get("Action", []), action, case=False):
        return False
    if not _matches(statement.get("Resource", []), resource):
        return False
    return all(
        _holds(operator, key.lower(), expected, context)
        for operator, pairs in (statement.get("Condition") or {}).items()
        for key, expected in pairs.items()
    )


def _holds(operator: str, key: str, expected: Any, context: Mapping[str, str]) -> bool:
    actual = context.get(key)
    wanted = [str(v) for v in _as_list(expected)]
    if actual is None:
        return operator.endswith("IfExists")
    op = operator.removesuffix("IfExists")
    if op in ("StringEquals", "ArnEquals"):
        return actual in wanted
    if op in ("StringLike", "ArnLike"):
        return _matches(wanted, actual)
    if op == "Bool":
        return actual.lower() in [w.lower() for w in wanted]
    if op in ("StringNotEquals", "ArnNotEquals"):
        return actual not in wanted
    return False  # an operator this emulation cannot evaluate: the statement does not apply
