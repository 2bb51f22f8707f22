"""The HTTP API emulator over real HTTP, with the API read back from the local AWS."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import requests

from local.run.api_server import ApiApp
from local.run.aws import LocalAwsClients
from local.run.cloudwatch import LogShipper
from local.run.discovery import ApiSource, function_from_integration_uri
from local.run.function_runner import FunctionRegistry
from local.run.httpserve import BackgroundServer
from tests.localrun.support import Deployed, ListSink

CORS = {
    "AllowOrigins": ["*"],
    "AllowMethods": ["GET", "POST", "OPTIONS"],
    "AllowHeaders": ["Content-Type", "Authorization", "X-Correlation-ID"],
    "MaxAge": 86400,
}


@dataclass
class Api:
    url: str
    fn: Deployed
    api_id: str


def _create_api(aws: LocalAwsClients, fn: Deployed, routes: list[str]) -> str:
    client = aws.client("apigatewayv2")
    api_id = client.create_api(Name=f"api-{fn.name}", ProtocolType="HTTP", CorsConfiguration=CORS)[
        "ApiId"
    ]
    arn = aws.client("lambda").get_function(FunctionName=fn.name)["Configuration"]["FunctionArn"]
    integration = client.create_integration(
        ApiId=api_id, IntegrationType="AWS_PROXY", IntegrationUri=arn, PayloadFormatVersion="2.0"
    )["IntegrationId"]
    for key in routes:
        client.create_route(ApiId=api_id, RouteKey=key, Target=f"integrations/{integration}")
    return api_id


@pytest.fixture(scope="module")
def api(aws: LocalAwsClients) -> Iterator[Api]:
    fn = Deployed(aws, timeout=10)
    api_id = _create_api(aws, fn, ["POST /generate", "GET /status/{jobId}", "GET /slow"])
    sink = ListSink()
    registry = FunctionRegistry(aws, {}, sink, max_workers=3)
    # 5 s: room for three environments' cold starts at once on a busy 2-core machine (2 s was
    # not), and still well under the function's 10 s timeout for the integration-timeout test.
    app = ApiApp(ApiSource(aws, api_id, sink, ttl_s=0.0), registry, sink, integration_timeout_s=5)
    server = BackgroundServer(app, sink, "api")
    url = server.start()
    try:
        yield Api(url, fn, api_id)
    finally:
        server.stop()
        app.close()
        registry.stop()


def _echo(resp: requests.Response) -> dict:
    assert resp.status_code in (200, 201), resp.text
    return resp.json()


def test_post_becomes_a_v2_event_and_the_response_is_mapped(api: Api) -> None:
    resp = requests.post(
        f"{api.url}/generate?x=1",
        json={"prompt": "a cat"},
        headers={"X-Correlation-ID": "corr-7", "Cookie": "s=1"},
        timeout=30,
    )
    body = _echo(resp)
    event = body["event"]
    assert event["routeKey"] == "POST /generate"
    assert event["rawPath"] == "/generate"
    assert event["rawQueryString"] == "x=1"
    assert event["headers"]["x-correlation-id"] == "corr-7"
    assert json.loads(event["body"]) == {"prompt": "a cat"}
    assert event["cookies"] == ["s=1"]
    ctx = event["requestContext"]
    assert ctx["http"]["sourceIp"] == "127.0.0.1"  # the real peer, not a header
    assert ctx["apiId"] == api.api_id
    assert resp.headers["X-Version"] == "v1"
    assert resp.headers["Set-Cookie"] == "a=1; Path=/"
    assert resp.headers["Apigw-Requestid"] == ctx["requestId"]


def test_path_parameters_from_the_route_template(api: Api) -> None:
    event = _echo(requests.get(f"{api.url}/status/job-123", timeout=30))["event"]
    assert event["routeKey"] == "GET /status/{jobId}"
    assert event["pathParameters"] == {"jobId": "job-123"}
    assert "body" not in event


def test_status_code_from_the_function(api: Api) -> None:
    assert requests.get(f"{api.url}/status/j?do=created", timeout=30).status_code == 201


def test_bare_result_is_200_json(api: Api) -> None:
    resp = requests.get(f"{api.url}/status/j?do=bare", timeout=30)
    assert (resp.status_code, resp.json()) == (200, {"bare": True})


def test_unknown_route_and_wrong_method_are_404(api: Api) -> None:
    for method, path in (("GET", "/nope"), ("GET", "/generate"), ("DELETE", "/status/1")):
        resp = requests.request(method, f"{api.url}{path}", timeout=30)
        assert (resp.status_code, resp.json()) == (404, {"message": "Not Found"})


def test_methods_http_server_does_not_know_are_api_gateways_404_too(api: Api) -> None:
    for method in ("TRACE", "PROPFIND"):
        resp = requests.request(method, f"{api.url}/generate", timeout=30)
        assert (resp.status_code, resp.json()) == (404, {"message": "Not Found"})


def test_function_error_and_malformed_result_are_500(api: Api) -> None:
    for query in ("do=raise", "do=bad"):
        resp = requests.get(f"{api.url}/status/j?{query}", timeout=30)
        assert (resp.status_code, resp.json()) == (500, {"message": "Internal Server Error"})


def test_integration_timeout_is_503_and_the_server_keeps_serving(api: Api) -> None:
    # The function sleeps 8 s; the 5 s integration timeout answers first.
    resp = requests.get(f"{api.url}/slow?do=sleep&s=8", timeout=30)
    assert (resp.status_code, resp.json()) == (503, {"message": "Service Unavailable"})
    assert requests.get(f"{api.url}/status/ok", timeout=30).status_code == 200


def test_cors_preflight_and_actual_response(api: Api) -> None:
    pre = requests.options(
        f"{api.url}/generate",
        headers={
            "Origin": "http://localhost:5173",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type,x-correlation-id",
        },
        timeout=30,
    )
    assert pre.status_code == 204
    assert pre.headers["Access-Control-Allow-Origin"] == "*"
    assert "POST" in pre.headers["Access-Control-Allow-Methods"]
    allowed = pre.headers["Access-Control-Allow-Headers"].split(",")
    assert {"content-type", "x-correlation-id"} <= set(allowed)
    assert pre.headers["Access-Control-Max-Age"] == "86400"
    refused = requests.options(
        f"{api.url}/generate",
        headers={"Origin": "http://x", "Access-Control-Request-Method": "DELETE"},
        timeout=30,
    )
    assert refused.status_code == 204
    assert "Access-Control-Allow-Origin" not in refused.headers
    actual = requests.get(
        f"{api.url}/status/1", headers={"Origin": "http://localhost:5173"}, timeout=30
    )
    # API Gateway's CORS header replaces the one the function sent.
    assert actual.headers["Access-Control-Allow-Origin"] == "*"


def test_binary_body_arrives_base64(api: Api) -> None:
    data = bytes(range(256))
    resp = requests.post(
        f"{api.url}/generate", data=data, headers={"Content-Type": "image/png"}, timeout=30
    )
    event = _echo(resp)["event"]
    assert event["isBase64Encoded"] is True


def test_concurrent_requests_use_several_environments(api: Api) -> None:
    pids: list[int] = []

    def call() -> None:
        resp = requests.get(f"{api.url}/status/p?do=sleep&s=0.5", timeout=30)
        pids.append(_echo(resp)["pid"])

    threads = [threading.Thread(target=call) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(pids) == 3
    assert len(set(pids)) >= 2


def test_new_routes_show_up_without_restart(aws: LocalAwsClients, api: Api) -> None:
    client = aws.client("apigatewayv2")
    integration = client.get_integrations(ApiId=api.api_id)["Items"][0]["IntegrationId"]
    assert requests.post(f"{api.url}/enhance", timeout=30).status_code == 404
    client.create_route(
        ApiId=api.api_id, RouteKey="POST /enhance", Target=f"integrations/{integration}"
    )
    assert _echo(requests.post(f"{api.url}/enhance", timeout=30))["event"]["routeKey"] == (
        "POST /enhance"
    )


def test_redeployed_code_answers_without_restart(api: Api) -> None:
    before = _echo(requests.get(f"{api.url}/status/r", timeout=30))
    api.fn.redeploy("v2")
    try:
        after = _echo(requests.get(f"{api.url}/status/r", timeout=30))
    finally:
        api.fn.redeploy("v1")  # the module's other tests expect the code they started with
    assert (before["version"], after["version"]) == ("v1", "v2")


def test_stage_throttling_and_access_log(aws: LocalAwsClients, api: Api) -> None:
    client = aws.client("apigatewayv2")
    aws.client("logs").create_log_group(logGroupName=f"access-{api.api_id}")
    client.create_stage(
        ApiId=api.api_id,
        StageName="$default",
        AccessLogSettings={
            "DestinationArn": f"arn:aws:logs:us-east-1:123456789012:log-group:access-{api.api_id}",
            "Format": "$context.requestId $context.routeKey $context.status "
            "$context.identity.sourceIp",
        },
        RouteSettings={
            "GET /status/{jobId}": {"ThrottlingBurstLimit": 2, "ThrottlingRateLimit": 0.01}
        },
    )
    sink = ListSink()
    shipper = LogShipper(aws, sink)
    registry = FunctionRegistry(aws, {}, sink, max_workers=1)
    app = ApiApp(ApiSource(aws, api.api_id, sink), registry, sink, throttling=True, shipper=shipper)
    server = BackgroundServer(app, sink, "api")
    url = server.start()
    try:
        statuses = [requests.get(f"{url}/status/t", timeout=30).status_code for _ in range(3)]
        throttled = requests.get(f"{url}/status/t", timeout=30)
        other_route = requests.post(f"{url}/generate", json={}, timeout=30)
    finally:
        server.stop()
        app.close()
        registry.stop()
        shipper.stop()
    assert statuses == [200, 200, 429]
    assert (throttled.status_code, throttled.json()) == (429, {"message": "Too Many Requests"})
    assert other_route.status_code == 200  # the limit was that route's own
    events = aws.client("logs").filter_log_events(logGroupName=f"access-{api.api_id}")["events"]
    lines = [e["message"] for e in events]
    assert len(lines) == 5
    rid = throttled.headers["Apigw-Requestid"]
    assert f"{rid} GET /status/{{jobId}} 429 127.0.0.1" in lines


@pytest.mark.parametrize(
    ("uri", "name"),
    [
        ("arn:aws:lambda:us-east-1:123456789012:function:gen", "gen"),
        (
            "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"
            "arn:aws:lambda:us-east-1:123456789012:function:gen/invocations",
            "gen",
        ),
    ],
)
def test_function_name_from_integration_uri(uri: str, name: str) -> None:
    assert function_from_integration_uri(uri) == name
