"""The stage: access log lines in the deployed format, and rate/burst throttling."""

from __future__ import annotations

import json

from local.run.stage import StageSettings, Throttle, Throttler, format_access_log

STAGE = {
    "StageName": "$default",
    "AccessLogSettings": {
        "DestinationArn": "arn:aws:logs:us-east-1:123456789012:log-group:api-access:*",
        "Format": '{"requestId":"$context.requestId","status":"$context.status",'
        '"sourceIp":"$context.identity.sourceIp","err":"$context.integrationErrorMessage"}',
    },
    "DefaultRouteSettings": {"ThrottlingBurstLimit": 40, "ThrottlingRateLimit": 20.0},
    "RouteSettings": {"POST /generate": {"ThrottlingBurstLimit": 2, "ThrottlingRateLimit": 1.0}},
}


def test_settings_from_get_stages() -> None:
    stage = StageSettings.from_stage(STAGE)
    assert stage.access_log_group == "api-access"
    assert stage.throttle_for("GET /status/{jobId}") == Throttle(20.0, 40)
    assert stage.throttle_for("POST /generate") == Throttle(1.0, 2)
    bare = StageSettings.from_stage({"StageName": "$default"})
    assert bare.access_log_group is None and bare.throttle_for("GET /x") is None


def test_access_log_format_fills_context_variables() -> None:
    line = format_access_log(
        STAGE["AccessLogSettings"]["Format"],
        {"requestId": "r1", "status": 202, "identity.sourceIp": "127.0.0.9", "x": 1},
    )
    # A value that does not apply (no integration error) is "-", as API Gateway writes it.
    assert json.loads(line) == {
        "requestId": "r1",
        "status": "202",
        "sourceIp": "127.0.0.9",
        "err": "-",
    }


def test_token_bucket_allows_the_burst_then_the_rate(monkeypatch) -> None:
    clock = [100.0]
    monkeypatch.setattr("local.run.stage.time.monotonic", lambda: clock[0])
    throttler = Throttler()
    limit = Throttle(rate_per_s=2.0, burst=3)
    assert [throttler.allow("r", limit) for _ in range(4)] == [True, True, True, False]
    clock[0] += 0.5  # one token back at 2 per second
    assert [throttler.allow("r", limit) for _ in range(2)] == [True, False]
    assert throttler.allow("other route", limit)  # buckets are per route
    assert all(throttler.allow("r", None) for _ in range(100))  # no limit configured
