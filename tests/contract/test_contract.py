"""pixelprompt.contract is the one description of the API: everything else must agree with it.

A route, a CORS header or an environment variable typed differently in the template, the
handler, openapi.json, the page or the web tests' fake API fails here.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from pixelprompt import config, contract
from pixelprompt.api import app
from pixelprompt.apigw import response
from pixelprompt.contract import CORS, MAX_MODELS, ROUTES, Env, Route

from infra.template import template_json
from tests.web.fakeapi import _ApiHandler, match_route

ROOT = Path(__file__).resolve().parents[2]
HTTP_METHODS = {"get", "put", "post", "delete", "patch", "head", "options"}


@pytest.fixture(scope="module")
def resources() -> dict[str, Any]:
    return json.loads(template_json())["Resources"]


def _of_type(resources: dict[str, Any], type_: str) -> dict[str, Any]:
    return {k: v for k, v in resources.items() if v["Type"] == type_}


def _function_env(resources: dict[str, Any]) -> dict[str, Any]:
    (function,) = _of_type(resources, "AWS::Lambda::Function").values()
    return function["Properties"]["Environment"]["Variables"]


# -- routes ---------------------------------------------------------------------------------
def test_route_keys_and_logical_ids_are_unique() -> None:
    assert len({r.key for r in ROUTES}) == len(ROUTES)
    assert len({r.logical_id for r in ROUTES}) == len(ROUTES)


def test_logical_ids_come_from_the_route_not_its_position() -> None:
    assert Route("GET", "/status/{jobId}", "status", "getStatus").logical_id == (
        "RouteGetStatusJobId"
    )
    # a route added in front of the list leaves every other id as it was
    before = [r.logical_id for r in ROUTES]
    after = [r.logical_id for r in (Route("POST", "/vote", "vote", "vote"), *ROUTES)]
    assert after[1:] == before


def test_routes_that_shipped_keep_the_ids_deployed_stacks_hold() -> None:
    # A renamed route resource cannot replace the old one in place (same route key: 409).
    shipped = {r.key: r.logical_id for r in ROUTES if r.deployed_id}
    assert shipped == {
        "POST /generate": "Route1",
        "GET /status/{jobId}": "Route2",
        "POST /enhance": "Route3",
        "GET /gallery/list": "Route4",
        "GET /gallery/{galleryId}": "Route5",
        "POST /log": "Route6",
    }


def test_template_deploys_exactly_the_contract_routes(resources: dict[str, Any]) -> None:
    routes = _of_type(resources, "AWS::ApiGatewayV2::Route")
    assert {name: r["Properties"]["RouteKey"] for name, r in routes.items()} == {
        r.logical_id: r.key for r in ROUTES
    }


def test_handler_serves_exactly_the_contract_routes() -> None:
    served = {(r.method, r.template, r.handler.__name__) for r in app.routes}
    assert served == {(r.method, r.path, r.handler) for r in ROUTES}


def test_rate_limited_routes_are_the_ones_the_router_admits_through_ratelimit() -> None:
    # GIVEN the routes as the handler registered them
    import inspect

    for route in ROUTES:
        served = next(r for r in app.routes if r.handler.__name__ == route.handler)
        # THEN exactly the contract's paid routes are limited: by the router (tests/handler/
        # test_paid_routes.py shows it does), or by the handler itself where it says so
        assert served.paid == route.rate_limited, route.key
        admits = "ratelimit.admit(" in inspect.getsource(served.handler)
        assert admits == (served.paid and served.admits_itself), route.key


def _openapi() -> dict[str, Any]:
    return json.loads((ROOT / "openapi.json").read_text())


def test_openapi_documents_exactly_the_contract_operations() -> None:
    documented = {
        (method.upper(), path, op.get("operationId"))
        for path, item in _openapi()["paths"].items()
        for method, op in item.items()
        if method in HTTP_METHODS
    }
    assert documented == {(r.method, r.path, r.operation_id) for r in ROUTES}


def test_openapi_path_parameters_are_the_routes_placeholders() -> None:
    spec = _openapi()
    for route in ROUTES:
        op = spec["paths"][route.path][route.method.lower()]
        params = [*spec["paths"][route.path].get("parameters", []), *op.get("parameters", [])]
        names = set()
        for param in params:
            if "$ref" in param:
                param = spec["components"]["parameters"][param["$ref"].rsplit("/", 1)[1]]
            if param["in"] == "path":
                names.add(param["name"])
        assert names == set(re.findall(r"\{(\w+)\}", route.path)), route.key


def _page_calls() -> set[tuple[str, str]]:
    """(method, path) of every request the page's API client makes: a trailing ${query(...)}
    is the query string, and each other ${...} a path parameter."""
    source = (ROOT / "frontend" / "assets" / "api.js").read_text()
    calls = re.findall(r'request\("([A-Z]+)",\s*[`"]([^`"]+)[`"]', source)
    without_query = ((m, re.sub(r"\$\{query\(.*?\)\}$", "", p)) for m, p in calls)
    return {(method, re.sub(r"\$\{[^}]+\}", "{}", path)) for method, path in without_query}


def test_every_request_the_page_makes_is_a_contract_route() -> None:
    calls = _page_calls()
    assert calls, "no request found in api.js: the pattern above no longer reads it"
    shapes = {(r.method, re.sub(r"\{\w+\}", "{}", r.path)) for r in ROUTES}
    assert calls <= shapes, calls - shapes


def test_fake_api_answers_every_contract_route_and_nothing_else() -> None:
    for route in ROUTES:
        path = re.sub(r"\{\w+\}", "x", route.path)
        found = match_route(route.method, path)
        assert found is not None and found[0] == route, route.key
        assert callable(getattr(_ApiHandler, f"route_{route.handler}", None)), route.key
    assert match_route("DELETE", "/generate") is None
    assert match_route("GET", "/nowhere") is None


# -- CORS -------------------------------------------------------------------------------------
def test_template_cors_is_the_contract_cors(resources: dict[str, Any]) -> None:
    (api,) = _of_type(resources, "AWS::ApiGatewayV2::Api").values()
    assert api["Properties"]["CorsConfiguration"] == {
        "AllowOrigins": list(CORS.allow_origins),
        "AllowMethods": list(CORS.allow_methods),
        "AllowHeaders": list(CORS.allow_headers),
        "ExposeHeaders": list(CORS.expose_headers),
        "MaxAge": CORS.max_age_seconds,
    }


def test_handler_answers_carry_the_contract_cors() -> None:
    headers = response(200, {}, "cid")["headers"]
    assert headers["Access-Control-Allow-Origin"] == "*"
    exposed = {h.strip() for h in headers["Access-Control-Expose-Headers"].split(",")}
    assert exposed == set(CORS.expose_headers)


def test_handler_preflight_allows_every_header_the_template_allows() -> None:
    event = {
        "version": "2.0",
        "rawPath": "/generate",
        "headers": {},
        "requestContext": {
            "http": {"method": "OPTIONS", "path": "/generate", "sourceIp": "1.2.3.4"}
        },
    }
    headers = app.resolve(event)["headers"]
    allowed = {h.strip() for h in headers["Access-Control-Allow-Headers"].split(",")}
    assert allowed == set(CORS.allow_headers)
    assert "X-Requested-With" in allowed
    assert headers["Access-Control-Max-Age"] == str(CORS.max_age_seconds)


# -- environment, model slots, function name ---------------------------------------------------
def test_template_sets_exactly_the_variables_config_reads(resources: dict[str, Any]) -> None:
    names = {value for key, value in vars(Env).items() if key.isupper() and isinstance(value, str)}
    slots = {Env.model_name(n) for n in range(1, MAX_MODELS + 1)}  # names only: keys are secret
    assert set(_function_env(resources)) == names | slots


def test_config_reads_the_names_the_template_sets(resources: dict[str, Any]) -> None:
    # GIVEN an environment with a value under every name the template sets
    env = {name: "" for name in _function_env(resources)}
    env.update({Env.MODEL_COUNT: "2", Env.S3_BUCKET: "b", Env.CLOUDFRONT_DOMAIN: "d.example"})
    env.update({Env.model_name(1): "m1", Env.model_name(2): "m2"})
    env.update({Env.GLOBAL_RATE_LIMIT: "7", Env.IP_RATE_LIMIT: "3", Env.IP_WHITELIST: "1.2.3.4"})
    # WHEN config reads it THEN every value arrives where it belongs
    cfg = config.load(env)
    assert cfg.problems == ()
    assert [(m.index, m.name) for m in cfg.models] == [(1, "m1"), (2, "m2")]
    assert (cfg.bucket, cfg.image_base_url) == ("b", "https://d.example")
    assert (cfg.global_rate_limit, cfg.ip_rate_limit) == (7, 3)
    assert cfg.ip_whitelist == frozenset({"1.2.3.4"})


def test_template_has_exactly_max_models_slots() -> None:
    params = json.loads(template_json())["Parameters"]
    assert f"Model{MAX_MODELS}Name" in params and f"Model{MAX_MODELS + 1}Name" not in params
    assert params["ModelCount"]["MaxValue"] == MAX_MODELS


def test_function_name_uses_the_contract_suffix(resources: dict[str, Any]) -> None:
    from deployer.cli import MAX_STACK_NAME

    (function,) = _of_type(resources, "AWS::Lambda::Function").values()
    assert function["Properties"]["FunctionName"] == {
        "Fn::Sub": "${AWS::StackName}" + contract.FUNCTION_NAME_SUFFIX
    }
    assert MAX_STACK_NAME + len(contract.FUNCTION_NAME_SUFFIX) == contract.MAX_FUNCTION_NAME
