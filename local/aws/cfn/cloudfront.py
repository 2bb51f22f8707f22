"""AWS::CloudFront::OriginAccessControl and ::Distribution in moto's cloudfront backend.

CloudFormation writes a distribution's lists as plain JSON arrays; the CloudFront API (and moto's
backend) wants ``{"Quantity": n, "Items": [...]}`` wrappers and a few renamed keys, so the
template's ``DistributionConfig`` is translated before it reaches the backend.
"""

from __future__ import annotations

import copy
import uuid
from datetime import UTC, datetime
from typing import Any

from moto.cloudfront import models as cf_models
from moto.cloudfront import responses as cf_responses
from moto.cloudfront import urls as cf_urls
from moto.cloudfront.exceptions import CloudFrontException
from moto.cloudfront.models import CloudFrontBackend, cloudfront_backends
from moto.core.common_models import CloudFormationModel
from moto.core.responses import ActionResult
from moto.utilities.utils import get_partition

from local.aws.cfn.common import ResourceType, properties, tag_list


def _backend(account_id: str, region_name: str) -> CloudFrontBackend:
    return cloudfront_backends[account_id][get_partition(region_name)]


def _items(values: list[Any] | None, convert: Any = None) -> dict[str, Any]:
    values = list(values or [])
    if convert is not None:
        values = [convert(v) for v in values]
    return {"Quantity": len(values), "Items": values} if values else {"Quantity": 0}


def _cache_behavior(cfn: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in cfn.items() if k not in {"AllowedMethods", "CachedMethods"}}
    allowed = cfn.get("AllowedMethods") or ["GET", "HEAD"]
    cached = cfn.get("CachedMethods") or ["GET", "HEAD"]
    out["AllowedMethods"] = {**_items(allowed), "CachedMethods": _items(cached)}
    for key in ("TrustedSigners", "TrustedKeyGroups"):
        if key in cfn:
            out[key] = {"Enabled": bool(cfn[key]), **_items(cfn[key])}
    if "FunctionAssociations" in cfn:
        out["FunctionAssociations"] = _items(cfn["FunctionAssociations"])
    if "LambdaFunctionAssociations" in cfn:
        out["LambdaFunctionAssociations"] = _items(cfn["LambdaFunctionAssociations"])
    if "ForwardedValues" in cfn:
        fwd = dict(cfn["ForwardedValues"])
        if "Headers" in fwd:
            fwd["Headers"] = _items(fwd["Headers"])
        if "QueryStringCacheKeys" in fwd:
            fwd["QueryStringCacheKeys"] = _items(fwd["QueryStringCacheKeys"])
        cookies = dict(fwd.get("Cookies") or {"Forward": "none"})
        if "WhitelistedNames" in cookies:
            cookies["WhitelistedNames"] = _items(cookies["WhitelistedNames"])
        fwd["Cookies"] = cookies
        out["ForwardedValues"] = fwd
    return out


def _origin(cfn: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in cfn.items() if k != "OriginCustomHeaders"}
    out["CustomHeaders"] = _items(cfn.get("OriginCustomHeaders"))
    if "CustomOriginConfig" in cfn:
        custom = dict(cfn["CustomOriginConfig"])
        custom["OriginSslProtocols"] = _items(custom.pop("OriginSSLProtocols", ["TLSv1.2"]))
        out["CustomOriginConfig"] = custom
    return out


def api_distribution_config(cfn: dict[str, Any], caller_reference: str) -> dict[str, Any]:
    """Translate a template's DistributionConfig into the CloudFront API's shape."""
    cfn = copy.deepcopy(cfn)
    cfg: dict[str, Any] = {
        "CallerReference": caller_reference,
        "Comment": cfn.get("Comment", ""),
        "Enabled": cfn.get("Enabled", True),
        "Aliases": _items(cfn.get("Aliases")),
        "Origins": _items(cfn.get("Origins"), _origin),
        "DefaultCacheBehavior": _cache_behavior(cfn.get("DefaultCacheBehavior") or {}),
        "CacheBehaviors": _items(cfn.get("CacheBehaviors"), _cache_behavior),
        "CustomErrorResponses": _items(cfn.get("CustomErrorResponses")),
        "IsIPV6Enabled": cfn.get("IPV6Enabled", False),
    }
    for key in ("DefaultRootObject", "HttpVersion", "PriceClass", "WebACLId"):
        if key in cfn:
            cfg[key] = cfn[key]
    if "Logging" in cfn:
        cfg["Logging"] = {"Enabled": True, "IncludeCookies": False, "Prefix": "", **cfn["Logging"]}
    if "ViewerCertificate" in cfn:
        renames = {
            "AcmCertificateArn": "ACMCertificateArn",
            "IamCertificateId": "IAMCertificateId",
            "SslSupportMethod": "SSLSupportMethod",
        }
        cfg["ViewerCertificate"] = {
            renames.get(k, k): v for k, v in cfn["ViewerCertificate"].items()
        }
    geo = (cfn.get("Restrictions") or {}).get("GeoRestriction")
    if geo:
        cfg["Restrictions"] = {
            "GeoRestriction": {
                "RestrictionType": geo["RestrictionType"],
                "Items": geo.get("Locations", []),
            }
        }
    return cfg


class OriginAccessControlResource(ResourceType, CloudFormationModel):
    """Ref and GetAtt Id: the control's id."""

    cfn_type = "AWS::CloudFront::OriginAccessControl"
    getatt_names = frozenset({"Id"})

    def __init__(self, control_id: str) -> None:
        self.control_id = control_id

    @property
    def physical_resource_id(self) -> str:
        return self.control_id

    def getatt_values(self) -> dict[str, Any]:
        return {"Id": self.control_id}

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[misc]
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> OriginAccessControlResource:
        config = properties(cloudformation_json)["OriginAccessControlConfig"]
        control = _backend(account_id, region_name).create_origin_access_control(dict(config))
        return cls(control.id)

    @classmethod
    def update_from_cloudformation_json(  # type: ignore[misc]
        cls,
        original_resource: OriginAccessControlResource,
        new_resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> OriginAccessControlResource:
        config = properties(cloudformation_json)["OriginAccessControlConfig"]
        backend = _backend(account_id, region_name)
        backend.update_origin_access_control(original_resource.control_id, dict(config))
        return original_resource

    @classmethod
    def delete_from_cloudformation_json(  # type: ignore[misc]
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> None:
        _backend(account_id, region_name).origin_access_controls.pop(resource_name, None)

    def delete(self, account_id: str, region_name: str) -> None:
        _backend(account_id, region_name).origin_access_controls.pop(self.control_id, None)


class DistributionResource(ResourceType, CloudFormationModel):
    """Ref: the distribution id; GetAtt DomainName and Id. Updates are in place, as on AWS."""

    cfn_type = "AWS::CloudFront::Distribution"
    getatt_names = frozenset({"DomainName", "Id"})

    def __init__(self, distribution_id: str, domain_name: str, caller_reference: str) -> None:
        self.distribution_id = distribution_id
        self.domain_name = domain_name
        self.caller_reference = caller_reference

    @property
    def physical_resource_id(self) -> str:
        return self.distribution_id

    def getatt_values(self) -> dict[str, Any]:
        return {"DomainName": self.domain_name, "Id": self.distribution_id}

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[misc]
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> DistributionResource:
        props = properties(cloudformation_json)
        caller_reference = f"{resource_name}-{uuid.uuid4()}"
        config = api_distribution_config(props["DistributionConfig"], caller_reference)
        backend = _backend(account_id, region_name)
        dist, _, _ = backend.create_distribution(config, tag_list(props.get("Tags")))
        return cls(dist.distribution_id, dist.domain_name, caller_reference)

    @classmethod
    def update_from_cloudformation_json(  # type: ignore[misc]
        cls,
        original_resource: DistributionResource,
        new_resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> DistributionResource:
        props = properties(cloudformation_json)
        config = api_distribution_config(
            props["DistributionConfig"], original_resource.caller_reference
        )
        backend = _backend(account_id, region_name)
        dist, _, _ = backend.update_distribution(
            dist_config=config, _id=original_resource.distribution_id, if_match=True
        )
        backend.tagger.delete_all_tags_for_resource(dist.arn)
        backend.tagger.tag_resource(dist.arn, tag_list(props.get("Tags")))
        return original_resource

    @classmethod
    def delete_from_cloudformation_json(  # type: ignore[misc]
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> None:
        _backend(account_id, region_name).distributions.pop(resource_name, None)

    def delete(self, account_id: str, region_name: str) -> None:
        backend = _backend(account_id, region_name)
        dist = backend.distributions.pop(self.distribution_id, None)
        if dist is not None:
            backend.tagger.delete_all_tags_for_resource(dist.arn)


_original_origin_init = cf_models.Origin.__init__


def _origin_init(self: cf_models.Origin, origin: dict[str, Any]) -> None:
    # moto drops these two, so GetDistribution would not show how the origin is reached.
    _original_origin_init(self, origin)
    self.origin_access_control_id = origin.get("OriginAccessControlId", "")
    if "S3OriginConfig" in origin:
        self.s3_origin_config = origin["S3OriginConfig"]


def api_items(value: Any) -> Any:
    """A template's `{"Items": [...]}` lists as the API's `{"Quantity": n, "Items": [...]}`."""
    if isinstance(value, list):
        return [api_items(v) for v in value]
    if not isinstance(value, dict):
        return value
    out = {k: api_items(v) for k, v in value.items()}
    if isinstance(out.get("Items"), list):
        out["Quantity"] = len(out["Items"])
    return out


def response_headers_policies(backend: CloudFrontBackend) -> dict[str, dict[str, Any]]:
    """Policy id -> {"config": API-shaped config, "etag", "modified"}, kept on the backend so a
    reset of moto's state drops them with everything else."""
    store = getattr(backend, "_local_response_headers_policies", None)
    if store is None:
        store = {}
        backend._local_response_headers_policies = store  # type: ignore[attr-defined]
    return store


class ResponseHeadersPolicyResource(ResourceType, CloudFormationModel):
    """Ref and GetAtt Id: the policy's id. Readable with GetResponseHeadersPolicy."""

    cfn_type = "AWS::CloudFront::ResponseHeadersPolicy"
    getatt_names = frozenset({"Id", "LastModifiedTime"})

    def __init__(self, policy_id: str, account_id: str, region_name: str) -> None:
        self.policy_id = policy_id
        self._where = (account_id, region_name)

    @property
    def physical_resource_id(self) -> str:
        return self.policy_id

    def getatt_values(self) -> dict[str, Any]:
        entry = response_headers_policies(_backend(*self._where)).get(self.policy_id, {})
        return {"Id": self.policy_id, "LastModifiedTime": str(entry.get("modified", ""))}

    @staticmethod
    def _store(account_id: str, region_name: str, policy_id: str, cfn: dict[str, Any]) -> None:
        config = api_items(copy.deepcopy(properties(cfn)["ResponseHeadersPolicyConfig"]))
        response_headers_policies(_backend(account_id, region_name))[policy_id] = {
            "config": config,
            "etag": uuid.uuid4().hex[:14].upper(),
            "modified": datetime.now(UTC),
        }

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[misc]
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> ResponseHeadersPolicyResource:
        policy_id = str(uuid.uuid4())
        cls._store(account_id, region_name, policy_id, cloudformation_json)
        return cls(policy_id, account_id, region_name)

    @classmethod
    def update_from_cloudformation_json(  # type: ignore[misc]
        cls,
        original_resource: ResponseHeadersPolicyResource,
        new_resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> ResponseHeadersPolicyResource:
        cls._store(account_id, region_name, original_resource.policy_id, cloudformation_json)
        return original_resource

    @classmethod
    def delete_from_cloudformation_json(  # type: ignore[misc]
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> None:
        response_headers_policies(_backend(account_id, region_name)).pop(resource_name, None)

    def delete(self, account_id: str, region_name: str) -> None:
        response_headers_policies(_backend(account_id, region_name)).pop(self.policy_id, None)


def _get_response_headers_policy(self: cf_responses.CloudFrontResponse) -> Any:
    policy_id = self._get_param("Id")
    entry = response_headers_policies(self.backend).get(policy_id)
    if entry is None:
        raise NoSuchResponseHeadersPolicy()
    result = {
        "ResponseHeadersPolicy": {
            "Id": policy_id,
            "LastModifiedTime": entry["modified"],
            "ResponseHeadersPolicyConfig": entry["config"],
        },
        "ETag": entry["etag"],
    }
    return ActionResult(result)


class NoSuchResponseHeadersPolicy(CloudFrontException):
    def __init__(self) -> None:
        super().__init__(
            "NoSuchResponseHeadersPolicy", "The response headers policy does not exist."
        )


_RESPONSE_HEADERS_PATH = "{0}/2020-05-31/response-headers-policy/(?P<policy_id>[^/]+)$"


def install() -> None:
    if cf_models.Origin.__init__ is not _origin_init:
        cf_models.Origin.__init__ = _origin_init  # type: ignore[method-assign]
    # GetResponseHeadersPolicy, which moto lacks: the local CDN reads the policies with it.
    cf_responses.CloudFrontResponse.get_response_headers_policy = _get_response_headers_policy  # type: ignore[attr-defined]
    cf_urls.url_paths.setdefault(_RESPONSE_HEADERS_PATH, cf_responses.CloudFrontResponse.dispatch)
