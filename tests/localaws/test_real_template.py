"""The project's real template (infra.template) on LocalAws, through change sets as the deployer
runs them: create, check every resource through its own service API, update a parameter in
place, redeploy unchanged, delete (the retained bucket stays)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from infra.template import template_json
from tests.localaws.helpers import (
    WAITER,
    create_change_set,
    delete,
    lambda_zip,
    outputs,
    physical_ids,
)

STACK = "pixel-prompt-complete"
TEMPLATE = json.loads(template_json())
# As deploy.py passes it: padded with empty items to as many as the Default holds.
BEDROCK_ID_SLOTS = len(TEMPLATE["Parameters"]["BedrockModelIds"]["Default"].split(","))


def _parameters(**overrides: str) -> dict[str, str]:
    wanted = {
        "CodeBucket": "artifacts",
        "CodeKey": "function-v1.zip",
        "Environment": "dev",
        "ModelCount": "2",
        "Model1Name": "DALL-E 3",
        "Model1Key": "sk-local-secret",
        "Model2Name": "Nova Canvas",
        "BedrockModelIds": "amazon.nova-canvas-v1:0" + "," * (BEDROCK_ID_SLOTS - 1),
        "ReservedConcurrency": "10",
        "RateLimitSalt": "ab" * 32,
        **overrides,
    }
    declared = TEMPLATE["Parameters"]
    return {k: v for k, v in wanted.items() if k in declared}


def _active_resources(params: dict[str, str]) -> set[str]:
    # The two conditions this test's parameters decide; anything else counts as present.
    conditions = {"HasBedrockModels": True, "HasReservedConcurrency": True}
    assert params.get("ReservedConcurrency", "0") != "0"
    return {
        name
        for name, resource in TEMPLATE["Resources"].items()
        if conditions.get(resource.get("Condition", ""), True)
    }


@pytest.fixture(scope="module")
def artifacts(client: Callable[[str], Any]) -> str:
    s3 = client("s3")
    s3.create_bucket(Bucket="artifacts")
    s3.put_object(Bucket="artifacts", Key="function-v1.zip", Body=lambda_zip())
    return "artifacts"


def _create(cfn: Any, stack: str) -> dict[str, Any]:
    change_set = create_change_set(cfn, stack, "create", template_json(), _parameters(), "CREATE")
    assert change_set["Status"] == "CREATE_COMPLETE"
    cfn.execute_change_set(ChangeSetName=change_set["ChangeSetId"])
    cfn.get_waiter("stack_create_complete").wait(StackName=stack, WaiterConfig=WAITER)
    described = cfn.describe_stacks(StackName=stack)["Stacks"][0]
    return {"change_set": change_set, "stack": described, "ids": physical_ids(cfn, stack)}


@pytest.fixture(scope="module")
def created(cfn: Any, artifacts: str) -> dict[str, Any]:
    """The stack the read-only tests look at; no test changes it."""
    return _create(cfn, STACK)


def test_create_change_set_adds_every_resource(created: dict[str, Any]) -> None:
    changes = [c["ResourceChange"] for c in created["change_set"]["Changes"]]
    assert {c["Action"] for c in changes} == {"Add"}
    assert {c["LogicalResourceId"] for c in changes} == _active_resources(_parameters())
    masked = {p["ParameterKey"]: p["ParameterValue"] for p in created["change_set"]["Parameters"]}
    assert masked["Model1Key"] == "****"  # NoEcho, as AWS shows it


def test_outputs_present_after_execute(
    created: dict[str, Any], client: Callable[[str], Any]
) -> None:
    stack = created["stack"]
    assert stack["StackStatus"] == "CREATE_COMPLETE"
    out = outputs(stack)
    assert set(out) == set(TEMPLATE["Outputs"])
    ids = created["ids"]
    assert out["FunctionName"] == ids["GeneratorFunction"] == f"{STACK}-generator"
    assert out["S3BucketName"] == ids["ImagesBucket"]
    assert out["DeadLetterQueueUrl"] == ids["DeadLetterQueue"]
    api = client("apigatewayv2").get_api(ApiId=ids["HttpApi"])
    assert out["ApiEndpoint"] == api["ApiEndpoint"]
    dist = client("cloudfront").get_distribution(Id=ids["ImagesDistribution"])["Distribution"]
    assert out["CloudFrontDomain"] == dist["DomainName"]
    assert out["CloudFrontUrl"] == f"https://{dist['DomainName']}"


def test_distribution_serves_the_bucket_through_oac(
    created: dict[str, Any], client: Callable[[str], Any]
) -> None:
    ids = created["ids"]
    dist = client("cloudfront").get_distribution(Id=ids["ImagesDistribution"])["Distribution"]
    config = dist["DistributionConfig"]
    assert config["DefaultRootObject"] == "index.html"
    (origin,) = config["Origins"]["Items"]
    assert origin["OriginAccessControlId"] == ids["ImagesOriginAccessControl"]
    assert origin["DomainName"] == f"{ids['ImagesBucket']}.s3.us-east-1.amazonaws.com"
    behavior = config["DefaultCacheBehavior"]
    assert behavior["ViewerProtocolPolicy"] == "redirect-to-https"
    assert behavior["Compress"] is True
    assert set(behavior["AllowedMethods"]["Items"]) == {"GET", "HEAD"}
    oac = client("cloudfront").get_origin_access_control(Id=ids["ImagesOriginAccessControl"])
    signing = oac["OriginAccessControl"]["OriginAccessControlConfig"]
    assert (signing["SigningBehavior"], signing["SigningProtocol"]) == ("always", "sigv4")


def test_http_api_routes_integration_stage_and_cors(
    created: dict[str, Any], client: Callable[[str], Any]
) -> None:
    apigw = client("apigatewayv2")
    api_id = created["ids"]["HttpApi"]
    route_keys = {
        r["Properties"]["RouteKey"]
        for r in TEMPLATE["Resources"].values()
        if r["Type"] == "AWS::ApiGatewayV2::Route"
    }
    assert {"POST /generate", "GET /status/{jobId}", "POST /enhance"} <= route_keys
    routes = apigw.get_routes(ApiId=api_id)["Items"]
    assert {r["RouteKey"] for r in routes} == route_keys
    (integration,) = apigw.get_integrations(ApiId=api_id)["Items"]
    assert {r["Target"] for r in routes} == {f"integrations/{integration['IntegrationId']}"}
    assert integration["IntegrationType"] == "AWS_PROXY"
    assert integration["PayloadFormatVersion"] == "2.0"
    function = client("lambda").get_function(FunctionName=created["ids"]["GeneratorFunction"])
    assert integration["IntegrationUri"] == function["Configuration"]["FunctionArn"]
    (stage,) = apigw.get_stages(ApiId=api_id)["Items"]
    assert (stage["StageName"], stage["AutoDeploy"]) == ("$default", True)
    cors = apigw.get_api(ApiId=api_id)["CorsConfiguration"]
    assert {"GET", "POST", "OPTIONS"} <= set(cors["AllowMethods"])
    assert {"Content-Type", "Authorization", "X-Correlation-ID"} <= set(cors["AllowHeaders"])
    assert cors["MaxAge"] == 86400


def test_bucket_settings_and_policy(created: dict[str, Any], client: Callable[[str], Any]) -> None:
    s3 = client("s3")
    bucket = created["ids"]["ImagesBucket"]
    (cors,) = s3.get_bucket_cors(Bucket=bucket)["CORSRules"]
    assert set(cors["AllowedMethods"]) == {"GET", "HEAD"}
    assert cors["AllowedOrigins"] == ["*"]
    rules = {
        r["Filter"]["Prefix"]: r
        for r in s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]
    }
    assert rules["images/"]["Expiration"] == {"Days": 30}
    assert rules["jobs/"]["Expiration"] == {"Days": 30}
    assert "ratelimit/" in rules
    pab = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
    assert all(pab.values()) and len(pab) == 4
    policy = json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"])
    distribution_arn = (
        f"arn:aws:cloudfront::123456789012:distribution/{created['ids']['ImagesDistribution']}"
    )
    cloudfront_reads = [
        s
        for s in policy["Statement"]
        if s.get("Principal") == {"Service": "cloudfront.amazonaws.com"}
    ]
    assert cloudfront_reads
    assert cloudfront_reads[0]["Condition"]["StringEquals"]["AWS:SourceArn"] == distribution_arn
    # The policy leaves the function's own object calls working on the local endpoint.
    s3.put_object(Bucket=bucket, Key="jobs/probe/status.json", Body=b"{}")
    assert s3.get_object(Bucket=bucket, Key="jobs/probe/status.json")["Body"].read() == b"{}"
    s3.delete_object(Bucket=bucket, Key="jobs/probe/status.json")


def test_function_configuration(created: dict[str, Any], client: Callable[[str], Any]) -> None:
    lam, sqs = client("lambda"), client("sqs")
    ids = created["ids"]
    got = lam.get_function(FunctionName=ids["GeneratorFunction"])
    config = got["Configuration"]
    assert (config["Runtime"], config["MemorySize"], config["Timeout"]) == ("python3.12", 3008, 900)
    assert config["Handler"] == "lambda_function.lambda_handler"
    env = config["Environment"]["Variables"]
    assert env["S3_BUCKET"] == ids["ImagesBucket"]
    assert env["CLOUDFRONT_DOMAIN"] == outputs(created["stack"])["CloudFrontDomain"]
    assert env["MODEL_1_NAME"] == "DALL-E 3"
    assert (
        env["GLOBAL_RATE_LIMIT"] == TEMPLATE["Parameters"]["GlobalRateLimit"]["Default"].__str__()
    )
    assert all(isinstance(v, str) for v in env.values())
    assert got["Concurrency"] == {"ReservedConcurrentExecutions": 10}
    queue = sqs.get_queue_attributes(QueueUrl=ids["DeadLetterQueue"], AttributeNames=["All"])
    assert config["DeadLetterConfig"] == {"TargetArn": queue["Attributes"]["QueueArn"]}
    assert queue["Attributes"]["SqsManagedSseEnabled"] == "true"
    assert {"Project", "Environment", "ManagedBy"} <= set(got["Tags"])
    (permission,) = json.loads(lam.get_policy(FunctionName=ids["GeneratorFunction"])["Policy"])[
        "Statement"
    ]
    assert permission["Principal"] == {"Service": "apigateway.amazonaws.com"}
    assert ids["HttpApi"] in permission["Condition"]["ArnLike"]["AWS:SourceArn"]
    # The worker's asynchronous event is not retried (a retry could pay for models twice).
    invoke = lam.get_function_event_invoke_config(FunctionName=ids["GeneratorFunction"])
    assert invoke["MaximumRetryAttempts"] == 0


def test_log_groups_role_and_alarms(created: dict[str, Any], client: Callable[[str], Any]) -> None:
    ids = created["ids"]
    groups = client("logs").describe_log_groups()["logGroups"]
    function_group = [g for g in groups if g["logGroupName"] == f"/aws/lambda/{STACK}-generator"]
    assert function_group and function_group[0]["retentionInDays"] == 7
    iam = client("iam")
    role = iam.get_role(RoleName=ids["FunctionRole"])["Role"]
    assert role["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {
        "Service": "lambda.amazonaws.com"
    }
    assert iam.list_role_policies(RoleName=ids["FunctionRole"])["PolicyNames"]
    alarm_ids = {
        ids[name]
        for name, r in TEMPLATE["Resources"].items()
        if r["Type"] == "AWS::CloudWatch::Alarm"
    }
    alarms = client("cloudwatch").describe_alarms(AlarmNames=sorted(alarm_ids))["MetricAlarms"]
    assert {a["AlarmName"] for a in alarms} == alarm_ids


def test_keys_are_in_the_secret_and_nowhere_in_the_function(
    created: dict[str, Any], client: Callable[[str], Any]
) -> None:
    ids = created["ids"]
    config = client("lambda").get_function_configuration(FunctionName=ids["GeneratorFunction"])
    assert "sk-local-secret" not in json.dumps(config, default=str)
    env = config["Environment"]["Variables"]
    assert env["PROVIDER_SECRET_ARN"] == ids["StackSecret"]
    stored = client("secretsmanager").get_secret_value(SecretId=env["PROVIDER_SECRET_ARN"])
    secret = json.loads(stored["SecretString"])
    assert secret["keys"]["1"] == "sk-local-secret" and secret["keys"]["2"] == ""
    assert secret["rateLimitSalt"] == "ab" * 32
    stack = json.dumps(created["stack"], default=str) + json.dumps(
        created["change_set"], default=str
    )
    assert "sk-local-secret" not in stack


def test_response_headers_policies_are_readable_from_the_distribution(
    created: dict[str, Any], client: Callable[[str], Any]
) -> None:
    cloudfront = client("cloudfront")
    dist = cloudfront.get_distribution(Id=created["ids"]["ImagesDistribution"])["Distribution"]
    config = dist["DistributionConfig"]
    (images,) = config["CacheBehaviors"]["Items"]
    assert images["PathPattern"] == "images/*"
    policy = cloudfront.get_response_headers_policy(Id=images["ResponseHeadersPolicyId"])
    cors = policy["ResponseHeadersPolicy"]["ResponseHeadersPolicyConfig"]["CorsConfig"]
    assert cors["AccessControlAllowOrigins"] == {"Quantity": 1, "Items": ["*"]}
    page_id = config["DefaultCacheBehavior"]["ResponseHeadersPolicyId"]
    page = cloudfront.get_response_headers_policy(Id=page_id)["ResponseHeadersPolicy"]
    security = page["ResponseHeadersPolicyConfig"]["SecurityHeadersConfig"]
    assert security["FrameOptions"] == {"FrameOption": "DENY", "Override": True}
    with pytest.raises(ClientError) as missing:
        cloudfront.get_response_headers_policy(Id="no-such-policy")
    assert missing.value.response["Error"]["Code"] == "NoSuchResponseHeadersPolicy"


def _parameter_update_is_in_place(
    cfn: Any, created: dict[str, Any], client: Callable[[str], Any], stack_name: str
) -> None:
    params = _parameters(GlobalRateLimit="77")
    change_set = create_change_set(cfn, stack_name, "rate", template_json(), params, "UPDATE")
    assert change_set["Status"] == "CREATE_COMPLETE"
    (change,) = [c["ResourceChange"] for c in change_set["Changes"]]
    assert change["Action"] == "Modify"
    assert change["LogicalResourceId"] == "GeneratorFunction"
    assert change["Replacement"] == "False"
    assert change["PhysicalResourceId"] == created["ids"]["GeneratorFunction"]
    assert change["Details"][0]["ChangeSource"] == "ParameterReference"
    cfn.execute_change_set(ChangeSetName=change_set["ChangeSetId"])
    cfn.get_waiter("stack_update_complete").wait(StackName=stack_name, WaiterConfig=WAITER)

    stack = cfn.describe_stacks(StackName=stack_name)["Stacks"][0]
    assert stack["StackStatus"] == "UPDATE_COMPLETE"
    assert outputs(stack) == outputs(created["stack"])
    assert physical_ids(cfn, stack_name) == created["ids"]  # distribution, API, ... not replaced
    env = client("lambda").get_function_configuration(
        FunctionName=created["ids"]["GeneratorFunction"]
    )
    assert env["Environment"]["Variables"]["GLOBAL_RATE_LIMIT"] == "77"
    recent = cfn.describe_stack_events(StackName=stack_name)["StackEvents"][:4]
    assert [(e["LogicalResourceId"], e["ResourceStatus"]) for e in recent] == [
        (stack_name, "UPDATE_COMPLETE"),
        ("GeneratorFunction", "UPDATE_COMPLETE"),
        ("GeneratorFunction", "UPDATE_IN_PROGRESS"),
        (stack_name, "UPDATE_IN_PROGRESS"),
    ]


def _code_change_updates_only_the_function(
    cfn: Any, created: dict[str, Any], client: Callable[[str], Any], stack_name: str
) -> None:
    lam = client("lambda")
    name = created["ids"]["GeneratorFunction"]
    before = lam.get_function_configuration(FunctionName=name)["CodeSha256"]
    source = "def lambda_handler(event, context):\n    return {'statusCode': 204}\n"
    client("s3").put_object(Bucket="artifacts", Key="function-v2.zip", Body=lambda_zip(source))
    params = _parameters(GlobalRateLimit="77", CodeKey="function-v2.zip")
    change_set = create_change_set(cfn, stack_name, "code", template_json(), params, "UPDATE")
    changes = [c["ResourceChange"] for c in change_set["Changes"]]
    assert [(c["LogicalResourceId"], c["Replacement"]) for c in changes] == [
        ("GeneratorFunction", "False")
    ]
    cfn.execute_change_set(ChangeSetName=change_set["ChangeSetId"])
    cfn.get_waiter("stack_update_complete").wait(StackName=stack_name, WaiterConfig=WAITER)
    after = lam.get_function_configuration(FunctionName=name)
    assert after["CodeSha256"] != before
    assert after["Environment"]["Variables"]["GLOBAL_RATE_LIMIT"] == "77"
    assert physical_ids(cfn, stack_name) == created["ids"]


def _unchanged_redeploy_has_no_changes(cfn: Any, stack_name: str) -> None:
    params = _parameters(GlobalRateLimit="77", CodeKey="function-v2.zip")
    change_set = create_change_set(cfn, stack_name, "same", template_json(), params, "UPDATE")
    assert change_set["Status"] == "FAILED"
    assert "didn't contain changes" in change_set["StatusReason"]
    assert (
        cfn.describe_stacks(StackName=stack_name)["Stacks"][0]["StackStatus"] == "UPDATE_COMPLETE"
    )
    cfn.delete_change_set(ChangeSetName=change_set["ChangeSetId"])


def _delete_removes_everything_but_the_retained_bucket(
    cfn: Any, created: dict[str, Any], client: Callable[[str], Any], stack_name: str
) -> None:
    ids = created["ids"]
    stack_id = created["stack"]["StackId"]
    delete(cfn, stack_name)
    assert cfn.describe_stacks(StackName=stack_id)["Stacks"][0]["StackStatus"] == "DELETE_COMPLETE"
    events = cfn.describe_stack_events(StackName=stack_id)["StackEvents"]
    assert ("ImagesBucket", "DELETE_SKIPPED") in {
        (e["LogicalResourceId"], e["ResourceStatus"]) for e in events
    }
    assert ids["ImagesBucket"] in [b["Name"] for b in client("s3").list_buckets()["Buckets"]]
    with pytest.raises(ClientError):
        client("lambda").get_function(FunctionName=ids["GeneratorFunction"])
    api_ids = {api["ApiId"] for api in client("apigatewayv2").get_apis()["Items"]}
    assert ids["HttpApi"] not in api_ids
    # Other stacks may live on this local AWS: only this stack's resources must be gone.
    distributions = client("cloudfront").list_distributions()["DistributionList"]
    assert ids["ImagesDistribution"] not in {d["Id"] for d in distributions.get("Items", [])}
    alarms = {a["AlarmName"] for a in client("cloudwatch").describe_alarms()["MetricAlarms"]}
    assert not alarms & {ids["FunctionErrorsAlarm"], ids["DeadLetterQueueAlarm"]}
    groups = {g["logGroupName"] for g in client("logs").describe_log_groups()["logGroups"]}
    assert not groups & {ids["FunctionLogGroup"], ids["ApiAccessLogGroup"]}
    with pytest.raises(ClientError):
        client("sqs").get_queue_attributes(QueueUrl=ids["DeadLetterQueue"])
    with pytest.raises(ClientError):
        client("iam").get_role(RoleName=ids["FunctionRole"])


def test_update_code_change_unchanged_redeploy_and_delete_in_order(
    cfn: Any, client: Callable[[str], Any], artifacts: str
) -> None:
    """One stack's life as the deployer drives it; each step needs the one before, so they
    are one scenario on a stack of its own (the read-only tests keep theirs)."""
    stack = "pixel-prompt-lifecycle"
    created = _create(cfn, stack)
    _parameter_update_is_in_place(cfn, created, client, stack)
    _code_change_updates_only_the_function(cfn, created, client, stack)
    _unchanged_redeploy_has_no_changes(cfn, stack)
    _delete_removes_everything_but_the_retained_bucket(cfn, created, client, stack)
