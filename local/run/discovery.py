"""What the stack deployed, read back from the local AWS (never a second hard-coded list)."""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from .api_server import ApiDefinition
from .aws import LocalAwsClients
from .cdn import bucket_from_origin
from .cors import CorsConfig
from .errors import LocalRunError
from .logs import LogSink
from .routing import Route
from .stage import StageSettings

_MAX_PAGES = 50


class StackNotServable(LocalRunError):
    """The deployed stack lacks something the local run needs; the message says what."""


@dataclass(frozen=True)
class DeployedStack:
    function_name: str
    api_id: str
    bucket: str | None
    default_root_object: str
    compress: bool
    distribution_id: str | None


def _stack_resources(aws: LocalAwsClients, stack_name: str) -> dict[str, list[str]]:
    """Physical ids by resource type."""
    cfn = aws.client("cloudformation")
    found: dict[str, list[str]] = {}
    token: str | None = None
    for _ in range(_MAX_PAGES):
        kwargs: dict[str, Any] = {"StackName": stack_name}
        if token:
            kwargs["NextToken"] = token
        page = cfn.list_stack_resources(**kwargs)
        for res in page.get("StackResourceSummaries", []):
            if res.get("PhysicalResourceId"):
                found.setdefault(res["ResourceType"], []).append(res["PhysicalResourceId"])
        token = page.get("NextToken")
        if not token:
            break
    return found


def discover(aws: LocalAwsClients, stack_name: str, outputs: Mapping[str, Any]) -> DeployedStack:
    resources = _stack_resources(aws, stack_name)
    functions = resources.get("AWS::Lambda::Function") or (
        [str(outputs["FunctionName"])] if outputs.get("FunctionName") else []
    )
    apis = resources.get("AWS::ApiGatewayV2::Api") or []
    if not apis and outputs.get("ApiEndpoint"):
        apis = [urlsplit(str(outputs["ApiEndpoint"])).netloc.split(".", 1)[0]]
    if not functions:
        raise StackNotServable(f"stack {stack_name} has no Lambda function to run")
    if not apis:
        raise StackNotServable(f"stack {stack_name} has no HTTP API (AWS::ApiGatewayV2::Api)")

    bucket: str | None = None
    root = ""
    compress = False
    distributions = resources.get("AWS::CloudFront::Distribution") or []
    if distributions:
        config = aws.client("cloudfront").get_distribution(Id=distributions[0])["Distribution"][
            "DistributionConfig"
        ]
        origins = (config.get("Origins") or {}).get("Items") or []
        s3_origins = [o for o in origins if ".s3" in o.get("DomainName", "")]
        if s3_origins:
            bucket = bucket_from_origin(s3_origins[0]["DomainName"])
        root = config.get("DefaultRootObject") or ""
        compress = bool((config.get("DefaultCacheBehavior") or {}).get("Compress"))
    if bucket is None:
        buckets = resources.get("AWS::S3::Bucket") or []
        bucket = str(outputs.get("S3BucketName") or "") or (buckets[0] if buckets else None)
    return DeployedStack(
        function_name=functions[0],
        api_id=apis[0],
        bucket=bucket,
        default_root_object=root,
        compress=compress,
        distribution_id=distributions[0] if distributions else None,
    )


def _paginate(call: Any, key: str, **kwargs: Any) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    token: str | None = None
    for _ in range(_MAX_PAGES):
        page = call(**kwargs, **({"NextToken": token} if token else {}))
        items.extend(page.get(key, []))
        token = page.get("NextToken")
        if not token:
            break
    return items


def function_from_integration_uri(uri: str) -> str | None:
    """The Lambda name in an AWS_PROXY integration URI (a function ARN or the invocations path)."""
    if "/functions/" in uri:
        uri = uri.split("/functions/", 1)[1].split("/invocations", 1)[0]
    parts = uri.split(":")
    if uri.startswith("arn:") and len(parts) >= 7 and parts[2] == "lambda":
        return parts[6]
    return uri or None


def load_api(aws: LocalAwsClients, api_id: str) -> ApiDefinition:
    client = aws.client("apigatewayv2")
    api = client.get_api(ApiId=api_id)
    integrations = {
        i["IntegrationId"]: i for i in _paginate(client.get_integrations, "Items", ApiId=api_id)
    }
    routes: list[Route] = []
    account_id = "123456789012"
    for item in _paginate(client.get_routes, "Items", ApiId=api_id):
        target = item.get("Target") or ""
        integration = integrations.get(target.removeprefix("integrations/"), {})
        uri = integration.get("IntegrationUri") or ""
        if uri.startswith("arn:") and uri.count(":") >= 4 and uri.split(":")[4].isdigit():
            account_id = uri.split(":")[4]
        routes.append(
            Route(
                route_key=item["RouteKey"],
                function_name=function_from_integration_uri(uri) if uri else None,
                payload_format=integration.get("PayloadFormatVersion") or "2.0",
                timeout_ms=int(integration.get("TimeoutInMillis") or 30000),
            )
        )
    stages = _paginate(client.get_stages, "Items", ApiId=api_id)
    # The local API serves the $default stage, at the root, as the template deploys it.
    stage = next((s for s in stages if s.get("StageName") == "$default"), None)
    return ApiDefinition(
        api_id=api_id,
        routes=tuple(routes),
        cors=CorsConfig.from_api(api.get("CorsConfiguration")),
        account_id=account_id,
        stage=StageSettings.from_stage(stage) if stage else StageSettings(),
    )


class ApiSource:
    """The deployed API definition, re-read at most once per `ttl_s` so a redeploy's route or
    CORS changes show up without a restart; the last good copy survives a failed read."""

    def __init__(self, aws: LocalAwsClients, api_id: str, sink: LogSink, ttl_s: float = 1.0):
        self._aws = aws
        self._api_id = api_id
        self._sink = sink
        self._ttl = ttl_s
        self._lock = threading.Lock()
        self._value = load_api(aws, api_id)
        self._loaded = time.monotonic()
        self._failing = False
        for route in self._value.routes:
            if route.payload_format != "2.0":
                sink.info(
                    "api",
                    f"{route.route_key}: payload format {route.payload_format} "
                    "is served as 2.0 (the only format emulated)",
                )

    def __call__(self) -> ApiDefinition:
        with self._lock:
            if time.monotonic() - self._loaded >= self._ttl:
                try:
                    self._value = load_api(self._aws, self._api_id)
                    self._failing = False
                except Exception as exc:
                    if not self._failing:  # once per failure streak, not once a second
                        self._sink.info(
                            "api", f"cannot re-read the API ({exc}); using the last copy"
                        )
                    self._failing = True
                self._loaded = time.monotonic()
            return self._value
