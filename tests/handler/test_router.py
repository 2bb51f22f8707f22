"""Routing, envelopes and headers: 404/405, base64, payload 1.0, correlation ids, size caps."""

from __future__ import annotations

import json

import lambda_function

from tests.handler.support import Context, load_event


def test_unknown_path_is_404_with_code(s3, event, call):
    # GIVEN a path the API does not have
    ev = event("httpApiV2_galleryList.json", path="/nope")
    # WHEN it is requested
    status, body, _ = call(ev)
    # THEN the answer is a JSON 404 naming the path
    assert status == 404
    assert body == {"error": "There is no /nope endpoint.", "code": "NOT_FOUND"}


def test_known_path_with_wrong_method_is_405_with_allow(s3, event, call):
    # GIVEN GET on a POST-only route
    ev = event("httpApiV2_generate.json", method="GET", body=None)
    # WHEN it is requested
    status, body, headers = call(ev)
    # THEN 405 says which method to use
    assert status == 405
    assert body["code"] == "METHOD_NOT_ALLOWED"
    assert headers["Allow"] == "POST"


def test_status_route_with_post_is_405(s3, event, call):
    ev = event("httpApiV2_status.json", method="POST")
    status, body, headers = call(ev)
    assert (status, body["code"], headers["Allow"]) == (405, "METHOD_NOT_ALLOWED", "GET")


def test_correlation_id_is_echoed(s3, event, call):
    # GIVEN the client's X-Correlation-ID
    ev = event("httpApiV2_galleryList.json", headers={"x-correlation-id": "abc-123"})
    # WHEN any request is answered
    _, _, headers = call(ev)
    # THEN the same id comes back
    assert headers["X-Correlation-ID"] == "abc-123"


def test_missing_correlation_id_is_generated(s3, event, call):
    ev = event("httpApiV2_galleryList.json")
    del ev["headers"]["x-correlation-id"]
    _, _, headers = call(ev)
    assert len(headers["X-Correlation-ID"]) == 36


def test_unsafe_correlation_id_is_replaced(s3, event, call):
    # GIVEN an id that would inject text into the logs
    ev = event("httpApiV2_galleryList.json", headers={"x-correlation-id": 'x"\n{"level":"x"}'})
    # WHEN answered
    _, _, headers = call(ev)
    # THEN a fresh id is used instead
    assert headers["X-Correlation-ID"] != ev["headers"]["x-correlation-id"]
    assert len(headers["X-Correlation-ID"]) == 36


def test_every_log_line_carries_the_correlation_id(s3, dispatched, event, call, capsys):
    # GIVEN a request with a correlation id
    ev = event("httpApiV2_generate.json", headers={"x-correlation-id": "trace-me-42"})
    # WHEN it is handled
    call(ev)
    # THEN every JSON log line it wrote carries that id
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line]
    assert lines
    assert {line["correlationId"] for line in lines} == {"trace-me-42"}


def test_error_answers_carry_cors_and_json_headers(s3, event, call):
    _, _, headers = call(event("httpApiV2_galleryList.json", path="/missing"))
    assert headers["Content-Type"] == "application/json"
    assert headers["Access-Control-Allow-Origin"] == "*"


def test_base64_body_is_decoded(s3, dispatched, call):
    # GIVEN the real base64-encoded event file
    ev = load_event("httpApiV2_generate_base64.json")
    # WHEN it is posted
    status, body, _ = call(ev)
    # THEN the decoded prompt was used
    assert status == 202
    assert body["totalModels"] == 3


def test_invalid_base64_body_is_400(s3, event, call):
    ev = event("httpApiV2_generate.json")
    ev.update(body="!!!not base64!!!", isBase64Encoded=True)
    status, body, _ = call(ev)
    assert (status, body["code"]) == (400, "INVALID_BODY")


def test_body_over_64kb_is_413(s3, event, call):
    ev = event("httpApiV2_generate.json", body={"prompt": "x" * (65 * 1024)})
    status, body, _ = call(ev)
    assert (status, body["code"]) == (413, "PAYLOAD_TOO_LARGE")


def test_base64_body_over_64kb_is_413(s3, event, call):
    ev = event("httpApiV2_generate.json", body={"prompt": "x" * (65 * 1024)}, b64=True)
    status, body, _ = call(ev)
    assert (status, body["code"]) == (413, "PAYLOAD_TOO_LARGE")


def test_rest_v1_event_is_understood(s3, dispatched, call):
    # GIVEN a REST API (payload 1.0) event
    ev = load_event("restApiV1_generate.json")
    # WHEN posted
    status, _, headers = call(ev)
    # THEN it is routed, and the mixed-case header is read
    assert status == 202
    assert headers["X-Correlation-ID"] == "rest-v1-corr-0001"


def test_rest_v1_client_ip_comes_from_identity(s3, dispatched, call, set_env):
    # GIVEN a per-IP limit of 1 and a v1 event from 198.51.100.7
    set_env(IP_RATE_LIMIT="1")
    ev = load_event("restApiV1_generate.json")
    # WHEN it is posted twice
    first, _, _ = call(ev)
    second, body, _ = call(ev)
    # THEN the second is limited: the identity IP was counted
    assert (first, second, body["code"]) == (202, 429, "RATE_LIMITED")


def test_named_stage_prefix_is_stripped(s3, event, call):
    # GIVEN an HTTP API on a named stage, whose rawPath starts with the stage
    ev = event("httpApiV2_galleryList.json", path="/prod/gallery/list")
    ev["requestContext"]["stage"] = "prod"
    # WHEN requested
    status, body, _ = call(ev)
    # THEN the route still matches
    assert (status, body) == (200, {"galleries": [], "next": None})


def test_trailing_slash_matches_the_route(s3, event, call):
    status, _, _ = call(event("httpApiV2_galleryList.json", path="/gallery/list/"))
    assert status == 200


def test_options_preflight_is_answered_without_a_body(s3, event, call):
    ev = event("httpApiV2_generate.json", method="OPTIONS", body=None)
    status, body, headers = call(ev)
    assert (status, body) == (204, None)
    assert "POST" in headers["Access-Control-Allow-Methods"]


def test_unrecognised_event_is_refused_without_crashing(s3):
    out = lambda_function.lambda_handler({"hello": "world"}, Context())
    assert out["statusCode"] == 400
    assert json.loads(out["body"])["code"] == "BAD_EVENT"


def test_non_dict_event_is_refused_without_crashing(s3):
    out = lambda_function.lambda_handler(["not", "an", "event"], Context())
    assert out["statusCode"] == 400


def test_storage_failure_is_503_without_traceback(s3, event, call, set_env):
    # GIVEN a bucket that does not exist
    set_env(S3_BUCKET="no-such-bucket-anywhere")
    # WHEN a job is requested
    status, body, _ = call(event("httpApiV2_generate.json"))
    # THEN a 503 with a sentence, not a 500 or a stack trace
    assert (status, body["code"]) == (503, "SERVICE_UNAVAILABLE")
    assert "Traceback" not in json.dumps(body)


def test_unexpected_bug_is_a_generic_500_logged_with_its_traceback(
    s3, event, call, monkeypatch, capsys
):
    # GIVEN a route with a bug
    def broken(*args, **kwargs):
        raise KeyError("secret internals")

    monkeypatch.setattr("pixelprompt.gallery.list_page", broken)
    # WHEN it is called
    status, body, _ = call(event("httpApiV2_galleryList.json"))
    # THEN the client gets a plain sentence; the traceback goes only to the log
    assert (status, body) == (
        500,
        {"error": "Something went wrong on our side.", "code": "INTERNAL_ERROR"},
    )
    logged = [json.loads(x) for x in capsys.readouterr().out.splitlines() if x]
    assert any("secret internals" in x.get("exception", "") for x in logged)


def test_rate_limit_contention_that_never_settles_is_503_busy(
    s3, dispatched, event, call, monkeypatch
):
    from pixelprompt import s3json

    def always_lose(*args, **kwargs):
        raise s3json.TooMuchContention("ratelimit/global.json")

    monkeypatch.setattr(s3json, "update", always_lose)
    status, body, headers = call(event("httpApiV2_generate.json"))
    assert (status, body["code"], headers["Retry-After"]) == (503, "BUSY", "2")
    assert dispatched == []
