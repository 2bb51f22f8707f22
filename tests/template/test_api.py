"""The HTTP API: CORS, the six routes to one proxy integration, the stage, the permission."""

from __future__ import annotations

from pixelprompt.contract import ROUTES as CONTRACT_ROUTES

from tests.template._lookup import of_type, only, props

ROUTES = {route.key for route in CONTRACT_ROUTES}


def test_api_is_an_http_api_with_browser_cors(resources) -> None:
    api = props(resources, "AWS::ApiGatewayV2::Api")
    assert api["ProtocolType"] == "HTTP"
    cors = api["CorsConfiguration"]
    assert cors["AllowOrigins"] == ["*"]
    assert cors["AllowMethods"] == ["GET", "POST", "OPTIONS"]
    assert cors["AllowHeaders"] == [
        "Content-Type",
        "Authorization",
        "X-Correlation-ID",
        "X-Requested-With",
    ]
    assert cors["MaxAge"] == 86400


def test_api_lets_browsers_read_the_wait_of_a_429(resources) -> None:
    cors = props(resources, "AWS::ApiGatewayV2::Api")["CorsConfiguration"]
    assert "Retry-After" in cors["ExposeHeaders"]


def test_every_route_goes_to_the_one_integration(resources) -> None:
    api, _ = only(resources, "AWS::ApiGatewayV2::Api")
    integration, _ = only(resources, "AWS::ApiGatewayV2::Integration")
    routes = [r["Properties"] for r in of_type(resources, "AWS::ApiGatewayV2::Route").values()]
    assert {r["RouteKey"] for r in routes} == ROUTES
    assert len(routes) == len(ROUTES)
    for route in routes:
        assert route["ApiId"] == {"Ref": api}
        assert route["Target"] == {
            "Fn::Sub": ["integrations/${IntegrationId}", {"IntegrationId": {"Ref": integration}}]
        }


def test_integration_is_a_lambda_proxy_with_payload_2(resources) -> None:
    function, _ = only(resources, "AWS::Lambda::Function")
    integration = props(resources, "AWS::ApiGatewayV2::Integration")
    assert integration["IntegrationType"] == "AWS_PROXY"
    assert integration["PayloadFormatVersion"] == "2.0"
    assert integration["IntegrationUri"] == {"Fn::GetAtt": [function, "Arn"]}


def test_default_stage_auto_deploys_with_throttling(resources) -> None:
    stage = props(resources, "AWS::ApiGatewayV2::Stage")
    assert (stage["StageName"], stage["AutoDeploy"]) == ("$default", True)
    throttle = stage["DefaultRouteSettings"]
    assert throttle["ThrottlingRateLimit"] > 0 and throttle["ThrottlingBurstLimit"] > 0


def test_stage_writes_access_logs_to_its_own_log_group(resources) -> None:
    settings = props(resources, "AWS::ApiGatewayV2::Stage")["AccessLogSettings"]
    template, values = settings["DestinationArn"]["Fn::Sub"]
    assert template.endswith(":log-group:${Name}") and not template.endswith("*")
    assert values["Name"]["Ref"] in of_type(resources, "AWS::Logs::LogGroup")
    assert "$context.requestId" in settings["Format"]


def test_lambda_permission_is_scoped_to_this_api(resources) -> None:
    api, _ = only(resources, "AWS::ApiGatewayV2::Api")
    function, _ = only(resources, "AWS::Lambda::Function")
    permission = props(resources, "AWS::Lambda::Permission")
    assert permission["Principal"] == "apigateway.amazonaws.com"
    assert permission["Action"] == "lambda:InvokeFunction"
    assert permission["FunctionName"] == {"Ref": function}
    template, values = permission["SourceArn"]["Fn::Sub"]
    assert template.startswith("arn:${AWS::Partition}:execute-api:${AWS::Region}:")
    assert template.endswith(":${ApiId}/*")
    assert values == {"ApiId": {"Ref": api}}
