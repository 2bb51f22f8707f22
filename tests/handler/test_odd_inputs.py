"""No input reaches a 500: arbitrary bodies, paths, methods, headers and event shapes."""

from __future__ import annotations

import json
from typing import Any

import lambda_function
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.handler.support import Context, load_event

FAST = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=40),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=12,
)
PATHS = ["/generate", "/enhance", "/log", "/status/x", "/gallery/list", "/gallery/y"]


def _assert_clean(out: dict[str, Any]) -> None:
    assert out["statusCode"] < 500 or out["statusCode"] == 503, out
    body = json.loads(out["body"]) if out["body"] else {}
    if out["statusCode"] >= 400:
        assert set(body) == {"error", "code"}
        assert "Traceback" not in body["error"]


@FAST
@given(body=st.dictionaries(st.sampled_from(["prompt", "steps", "guidance", "control", "x"]), JSON))
def test_any_json_object_to_generate_is_never_a_500(s3, dispatched, event, body):
    out = lambda_function.lambda_handler(event("httpApiV2_generate.json", body=body), Context())
    _assert_clean(out)


@FAST
@given(raw=st.binary(max_size=300), b64=st.booleans())
def test_any_bytes_to_any_post_route_is_never_a_500(s3, dispatched, event, raw, b64):
    for path in ("/generate", "/enhance", "/log"):
        ev = event("httpApiV2_generate.json", body=raw if b64 else raw.decode("latin-1"), b64=b64)
        ev["rawPath"] = path
        _assert_clean(lambda_function.lambda_handler(ev, Context()))


@FAST
@given(
    method=st.sampled_from(["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "", "get"]),
    path=st.sampled_from(PATHS) | st.text(max_size=60).map(lambda t: "/" + t),
)
def test_any_method_and_path_is_never_a_500(s3, event, method, path):
    ev = event("httpApiV2_galleryList.json", method=method, path=path)
    _assert_clean(lambda_function.lambda_handler(ev, Context()))


@FAST
@given(headers=st.dictionaries(st.text(max_size=20), st.text(max_size=200) | st.none(), max_size=6))
def test_any_headers_are_never_a_500(s3, event, headers):
    ev = event("httpApiV2_galleryList.json")
    ev["headers"] = headers
    _assert_clean(lambda_function.lambda_handler(ev, Context()))


def test_mangled_event_shapes_are_never_a_500(s3):
    base = load_event("httpApiV2_generate.json")
    variants = [
        {**base, "headers": None},
        {**base, "headers": ["x"]},
        {**base, "body": 12345},
        {**base, "requestContext": {"http": None}},
        {**base, "requestContext": "nope"},
        {**base, "queryStringParameters": "x"},
        {**base, "rawPath": None},
        {"httpMethod": "POST"},
        {"requestContext": {}},
    ]
    for ev in variants:
        _assert_clean(lambda_function.lambda_handler(ev, Context()))


def test_lone_surrogates_anywhere_are_never_a_500(s3, dispatched, event):
    # GIVEN lone surrogates (legal in JSON as "\ud800", not encodable as UTF-8) in every field
    cases = [
        event("httpApiV2_generate.json", ip="\ud800"),
        event("httpApiV2_generate.json", body='{"prompt": "fox \\ud800"}'),
        event("httpApiV2_log.json", body='{"message": "\\udfff", "\\ud800": 1}'),
        event("httpApiV2_galleryList.json", path="/gallery/\ud800"),
        event("httpApiV2_galleryList.json", path="/\udcff"),
        event("httpApiV2_galleryList.json", headers={"x-correlation-id": "\ud800"}),
    ]
    # WHEN each is handled THEN each gets a clean, encodable answer
    for ev in cases:
        out = lambda_function.lambda_handler(ev, Context())
        _assert_clean(out)
        out["body"].encode("utf-8")


def test_prompt_with_a_lone_surrogate_is_400(s3, dispatched, event, call):
    status, body, _ = call(event("httpApiV2_generate.json", body='{"prompt": "fox \\ud800"}'))
    assert (status, body["code"]) == (400, "INVALID_PROMPT")
