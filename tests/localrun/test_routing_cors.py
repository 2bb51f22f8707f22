"""Route selection and CORS, as API Gateway HTTP APIs do them."""

from __future__ import annotations

import pytest

from local.run.cors import CorsConfig, is_preflight
from local.run.routing import Route, select_route

ROUTES = [
    Route("POST /generate", "fn"),
    Route("GET /status/{jobId}", "fn"),
    Route("GET /gallery/list", "fn"),
    Route("GET /gallery/{galleryId}", "fn"),
    Route("ANY /files/{proxy+}", "fn"),
    Route("GET /files/readme", "fn"),
]


@pytest.mark.parametrize(
    ("method", "path", "route_key", "params"),
    [
        ("POST", "/generate", "POST /generate", {}),
        ("GET", "/status/abc-123", "GET /status/{jobId}", {"jobId": "abc-123"}),
        ("GET", "/status/a%2Fb", "GET /status/{jobId}", {"jobId": "a/b"}),
        ("GET", "/gallery/list", "GET /gallery/list", {}),  # literal beats variable
        ("GET", "/gallery/g1", "GET /gallery/{galleryId}", {"galleryId": "g1"}),
        ("GET", "/files/readme", "GET /files/readme", {}),
        ("DELETE", "/files/a/b/c", "ANY /files/{proxy+}", {"proxy": "a/b/c"}),
    ],
)
def test_most_specific_route_wins(method: str, path: str, route_key: str, params: dict) -> None:
    match = select_route(ROUTES, method, path)
    assert match is not None
    assert match.route.route_key == route_key
    assert match.path_parameters == params


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/generate"),  # wrong method
        ("POST", "/nope"),
        ("GET", "/status"),  # variable needs a segment
        ("GET", "/status/a/b"),
        ("POST", "/generate/"),  # trailing slash is another path
        ("GET", "/files"),  # greedy needs one segment
    ],
)
def test_no_route(method: str, path: str) -> None:
    assert select_route(ROUTES, method, path) is None


def test_default_route_catches_the_rest_but_loses_to_any_match() -> None:
    routes = [*ROUTES, Route("$default", "fallback")]
    assert select_route(routes, "GET", "/whatever").route.route_key == "$default"  # type: ignore[union-attr]
    assert select_route(routes, "POST", "/generate").route.route_key == "POST /generate"  # type: ignore[union-attr]


CORS = CorsConfig.from_api(
    {
        "AllowOrigins": ["*"],
        "AllowMethods": ["GET", "POST", "OPTIONS"],
        "AllowHeaders": ["Content-Type", "X-Correlation-ID"],
        "MaxAge": 86400,
    }
)


def test_allowed_preflight_gets_every_header() -> None:
    assert CORS is not None
    request = {
        "origin": "http://localhost:3000",
        "access-control-request-method": "POST",
        "access-control-request-headers": "content-type, x-correlation-id",
    }
    assert is_preflight("OPTIONS", request)
    headers = dict(CORS.preflight(request))
    assert headers["Access-Control-Allow-Origin"] == "*"
    assert headers["Access-Control-Allow-Methods"] == "GET,POST,OPTIONS"
    assert headers["Access-Control-Allow-Headers"] == "content-type,x-correlation-id"
    assert headers["Access-Control-Max-Age"] == "86400"


@pytest.mark.parametrize(
    "request_headers",
    [
        {"origin": "http://x", "access-control-request-method": "DELETE"},
        {
            "origin": "http://x",
            "access-control-request-method": "POST",
            "access-control-request-headers": "x-secret",
        },
    ],
)
def test_disallowed_preflight_gets_no_cors_headers(request_headers: dict) -> None:
    assert CORS is not None
    assert CORS.preflight(request_headers) == []


def test_specific_origins_are_echoed_and_others_refused() -> None:
    cors = CorsConfig.from_api(
        {"AllowOrigins": ["https://app.example"], "AllowMethods": ["GET"], "AllowCredentials": True}
    )
    assert cors is not None
    ok = dict(cors.actual({"origin": "https://app.example"}))
    assert ok["Access-Control-Allow-Origin"] == "https://app.example"
    assert ok["Access-Control-Allow-Credentials"] == "true"
    assert ok["Vary"] == "Origin"
    assert cors.actual({"origin": "https://evil.example"}) == []
    assert cors.actual({}) == []
    assert CorsConfig.from_api(None) is None
    assert not is_preflight("OPTIONS", {"origin": "x"})
