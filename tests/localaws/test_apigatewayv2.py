"""AWS::ApiGatewayV2::Api, Integration, Route and Stage land in moto's apigatewayv2 backend."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.localaws.helpers import delete, deploy, outputs, physical_ids

FUNCTION_ARN = "arn:aws:lambda:us-east-1:123456789012:function:target"

TEMPLATE: dict[str, Any] = {
    "Resources": {
        "Api": {
            "Type": "AWS::ApiGatewayV2::Api",
            "Properties": {
                "Name": "http-api",
                "ProtocolType": "HTTP",
                "CorsConfiguration": {
                    "AllowOrigins": ["*"],
                    "AllowMethods": ["GET", "POST", "OPTIONS"],
                    "AllowHeaders": ["Content-Type", "X-Correlation-ID"],
                    "MaxAge": 86400,
                },
                "Tags": {"Project": "pixel-prompt-complete"},
            },
        },
        "Integration": {
            "Type": "AWS::ApiGatewayV2::Integration",
            "Properties": {
                "ApiId": {"Ref": "Api"},
                "IntegrationType": "AWS_PROXY",
                "IntegrationUri": FUNCTION_ARN,
                "PayloadFormatVersion": "2.0",
            },
        },
        "GenerateRoute": {
            "Type": "AWS::ApiGatewayV2::Route",
            "Properties": {
                "ApiId": {"Ref": "Api"},
                "RouteKey": "POST /generate",
                "Target": {"Fn::Sub": "integrations/${Integration}"},
            },
        },
        "StatusRoute": {
            "Type": "AWS::ApiGatewayV2::Route",
            "Properties": {
                "ApiId": {"Ref": "Api"},
                "RouteKey": "GET /status/{jobId}",
                "Target": {"Fn::Join": ["/", ["integrations", {"Ref": "Integration"}]]},
            },
        },
        "Stage": {
            "Type": "AWS::ApiGatewayV2::Stage",
            "Properties": {
                "ApiId": {"Ref": "Api"},
                "StageName": "$default",
                "AutoDeploy": True,
                "DefaultRouteSettings": {"ThrottlingBurstLimit": 40, "ThrottlingRateLimit": 20},
            },
        },
    },
    "Outputs": {
        "ApiId": {"Value": {"Ref": "Api"}},
        "ApiIdAttr": {"Value": {"Fn::GetAtt": ["Api", "ApiId"]}},
        "Endpoint": {"Value": {"Fn::GetAtt": ["Api", "ApiEndpoint"]}},
        "Stage": {"Value": {"Ref": "Stage"}},
        "IntegrationId": {"Value": {"Ref": "Integration"}},
        "RouteId": {"Value": {"Fn::GetAtt": ["GenerateRoute", "RouteId"]}},
    },
}


def test_http_api_create_update_delete(cfn: Any, client: Callable[[str], Any]) -> None:
    apigw = client("apigatewayv2")
    stack = deploy(cfn, "api", TEMPLATE)
    out = outputs(stack)
    api_id = out["ApiId"]
    assert out["ApiIdAttr"] == api_id == physical_ids(cfn, "api")["Api"]
    assert out["Endpoint"] == f"https://{api_id}.execute-api.us-east-1.amazonaws.com"
    assert out["Stage"] == "$default"

    api = apigw.get_api(ApiId=api_id)
    assert api["ProtocolType"] == "HTTP"
    assert api["CorsConfiguration"]["AllowHeaders"] == ["Content-Type", "X-Correlation-ID"]
    assert api["CorsConfiguration"]["MaxAge"] == 86400
    assert api["Tags"] == {"Project": "pixel-prompt-complete"}
    routes = {r["RouteKey"]: r for r in apigw.get_routes(ApiId=api_id)["Items"]}
    assert set(routes) == {"POST /generate", "GET /status/{jobId}"}
    assert {r["Target"] for r in routes.values()} == {f"integrations/{out['IntegrationId']}"}
    assert routes["POST /generate"]["RouteId"] == out["RouteId"]
    integration = apigw.get_integration(ApiId=api_id, IntegrationId=out["IntegrationId"])
    assert integration["IntegrationType"] == "AWS_PROXY"
    assert integration["IntegrationUri"] == FUNCTION_ARN
    assert integration["PayloadFormatVersion"] == "2.0"
    stage = apigw.get_stage(ApiId=api_id, StageName="$default")
    assert stage["AutoDeploy"] is True
    assert stage["DefaultRouteSettings"]["ThrottlingBurstLimit"] == 40

    changed = copy.deepcopy(TEMPLATE)
    resources = changed["Resources"]
    resources["Api"]["Properties"]["CorsConfiguration"]["AllowOrigins"] = ["https://example.org"]
    resources["StatusRoute"]["Properties"]["RouteKey"] = "GET /jobs/{jobId}"
    resources["Integration"]["Properties"]["TimeoutInMillis"] = 10000
    resources["Stage"]["Properties"]["DefaultRouteSettings"]["ThrottlingBurstLimit"] = 5
    stack = deploy(cfn, "api", changed)
    assert outputs(stack) == out  # nothing replaced: same API, integration, routes, stage
    api = apigw.get_api(ApiId=api_id)
    assert api["CorsConfiguration"]["AllowOrigins"] == ["https://example.org"]
    keys = sorted(r["RouteKey"] for r in apigw.get_routes(ApiId=api_id)["Items"])
    assert keys == ["GET /jobs/{jobId}", "POST /generate"]
    integration = apigw.get_integration(ApiId=api_id, IntegrationId=out["IntegrationId"])
    assert integration["TimeoutInMillis"] == 10000
    stage = apigw.get_stage(ApiId=api_id, StageName="$default")
    assert stage["DefaultRouteSettings"]["ThrottlingBurstLimit"] == 5

    # Removing a route from the template removes it from the API.
    del changed["Resources"]["StatusRoute"]
    deploy(cfn, "api", changed)
    assert [r["RouteKey"] for r in apigw.get_routes(ApiId=api_id)["Items"]] == ["POST /generate"]

    delete(cfn, "api")
    with pytest.raises(ClientError):
        apigw.get_api(ApiId=api_id)
