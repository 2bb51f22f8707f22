"""Request -> payload 2.0 event, and function result -> HTTP response."""

from __future__ import annotations

import base64
import json

import pytest

from local.run.apigw_events import (
    HttpRequest,
    InvalidIntegrationResponse,
    build_event,
    map_result,
)


def _request(**overrides: object) -> HttpRequest:
    fields: dict = {
        "method": "POST",
        "raw_path": "/status/abc%20def",
        "raw_query": "a=1&a=2&b=",
        "headers": [
            ("Content-Type", "application/json"),
            ("X-Correlation-ID", "corr-1"),
            ("Accept", "text/html"),
            ("Accept", "application/json"),
            ("Cookie", "s=1; t=2"),
            ("User-Agent", "curl/8"),
        ],
        "body": b'{"prompt": "x"}',
        "source_ip": "127.0.0.5",
    }
    fields.update(overrides)
    return HttpRequest(**fields)  # type: ignore[arg-type]


def test_event_has_the_documented_shape() -> None:
    event = build_event(
        _request(),
        route_key="GET /status/{jobId}",
        path_parameters={"jobId": "abc def"},
        api_id="api123",
        domain_name="127.0.0.1",
        request_id="rid",
        now=1_700_000_000.25,
    )
    assert event["version"] == "2.0"
    assert event["routeKey"] == "GET /status/{jobId}"
    assert event["rawPath"] == "/status/abc%20def"
    assert event["rawQueryString"] == "a=1&a=2&b="
    assert event["queryStringParameters"] == {"a": "1,2", "b": ""}
    assert event["pathParameters"] == {"jobId": "abc def"}
    # Names lower-cased, repeats comma-joined, cookies moved out of the headers.
    assert event["headers"]["x-correlation-id"] == "corr-1"
    assert event["headers"]["accept"] == "text/html,application/json"
    assert event["headers"]["x-forwarded-for"] == "127.0.0.5"
    assert event["headers"]["x-forwarded-proto"] == "http"
    assert event["headers"]["x-amzn-trace-id"].startswith("Root=1-")
    assert "cookie" not in event["headers"]
    assert event["cookies"] == ["s=1", "t=2"]
    assert event["body"] == '{"prompt": "x"}'
    assert event["isBase64Encoded"] is False
    ctx = event["requestContext"]
    assert ctx["http"] == {
        "method": "POST",
        "path": "/status/abc%20def",
        "protocol": "HTTP/1.1",
        "sourceIp": "127.0.0.5",
        "userAgent": "curl/8",
    }
    assert ctx["stage"] == "$default"
    assert ctx["routeKey"] == "GET /status/{jobId}"
    assert ctx["requestId"] == "rid"
    assert ctx["apiId"] == "api123"
    assert ctx["domainName"] == "127.0.0.1"
    assert ctx["timeEpoch"] == 1_700_000_000_250
    assert ctx["time"] == "14/Nov/2023:22:13:20 +0000"


def test_binary_body_is_base64_and_absent_parts_are_omitted() -> None:
    png = b"\x89PNG\r\n\x1a\n\x00\xff"
    event = build_event(
        _request(raw_query="", headers=[("Content-Type", "image/png")], body=png),
        route_key="POST /log",
        path_parameters={},
        api_id="a",
        domain_name="d",
    )
    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == png
    assert "queryStringParameters" not in event
    assert "pathParameters" not in event
    assert "cookies" not in event
    empty = build_event(
        _request(body=b""), route_key="GET /x", path_parameters=None, api_id="a", domain_name="d"
    )
    assert "body" not in empty


def test_full_response_maps_status_headers_cookies_and_body() -> None:
    payload = json.dumps(
        {
            "statusCode": 429,
            "headers": {"Retry-After": 30, "Content-Type": "application/json"},
            "cookies": ["a=1", "b=2"],
            "body": '{"error": "slow down"}',
        }
    ).encode()
    resp = map_result(payload)
    assert resp.status == 429
    assert ("Retry-After", "30") in resp.headers
    assert [v for k, v in resp.headers if k == "Set-Cookie"] == ["a=1", "b=2"]
    assert json.loads(resp.body) == {"error": "slow down"}


def test_base64_body_is_decoded() -> None:
    payload = json.dumps(
        {
            "statusCode": 200,
            "headers": {"content-type": "image/png"},
            "body": base64.b64encode(b"\x00\x01").decode(),
            "isBase64Encoded": True,
        }
    ).encode()
    resp = map_result(payload)
    assert resp.body == b"\x00\x01"
    assert resp.headers == [("content-type", "image/png")]


@pytest.mark.parametrize(
    ("result", "body"),
    [({"jobId": "1"}, {"jobId": "1"}), ([1, 2], [1, 2])],
)
def test_bare_json_result_is_a_200_json_body(result: object, body: object) -> None:
    resp = map_result(json.dumps(result).encode())
    assert resp.status == 200
    assert ("Content-Type", "application/json") in resp.headers
    assert json.loads(resp.body) == body


def test_bare_string_result_is_the_body() -> None:
    resp = map_result(b'"hello"')
    assert (resp.status, resp.body) == (200, b"hello")


@pytest.mark.parametrize(
    "payload",
    [
        b"not json",
        b'{"statusCode": "abc"}',
        b'{"statusCode": 99}',
        b'{"statusCode": 200, "headers": []}',
    ],
)
def test_malformed_results_are_rejected(payload: bytes) -> None:
    with pytest.raises(InvalidIntegrationResponse):
        map_result(payload)
