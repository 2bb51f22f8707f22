"""POST /generate: validation, the content filter, the job record, dispatch and its failure."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError
from pixelprompt import jobs, worker

from tests.handler.support import BUCKET


def test_generate_answers_202_with_job_id(s3, dispatched, event, call):
    # GIVEN three configured models WHEN a prompt is posted
    status, body, _ = call(event("httpApiV2_generate.json"))
    # THEN a pending job is announced
    assert status == 202
    assert body["status"] == "pending"
    assert body["totalModels"] == 3
    assert len(body["jobId"]) == 36


def test_generate_writes_the_pending_record(s3, dispatched, event, call):
    _, body, _ = call(event("httpApiV2_generate.json"))
    record = json.loads(
        s3.get_object(Bucket=BUCKET, Key=jobs.status_key(body["jobId"]))["Body"].read()
    )
    assert record["status"] == "pending"
    assert record["prompt"] == "a red fox in the snow, watercolor"
    assert record["parameters"] == {"steps": 30, "guidance": 7.5}
    assert [(r["index"], r["model"], r["status"]) for r in record["results"]] == [
        (1, "fake/ok-one", "pending"),
        (2, "fake/ok-two", "pending"),
        (3, "fake/ok-three", "pending"),
    ]


def test_generate_dispatches_the_worker_event(s3, dispatched, event, call):
    _, body, _ = call(event("httpApiV2_generate.json", headers={"x-correlation-id": "cid-7"}))
    assert dispatched == [
        {"pixelprompt": "run-job", "jobId": body["jobId"], "correlationId": "cid-7"}
    ]
    assert worker.is_job_event(dispatched[0])


def test_generate_invokes_lambda_asynchronously(s3, event, call, monkeypatch):
    # GIVEN a recording Lambda client
    calls = []

    class FakeLambda:
        def invoke(self, **kwargs):
            calls.append(kwargs)
            return {"StatusCode": 202}

    monkeypatch.setattr("pixelprompt.aws.lambda_client", FakeLambda)
    # WHEN a job is created
    status, body, _ = call(event("httpApiV2_generate.json"))
    # THEN the function invoked itself with InvocationType=Event and the worker event
    assert status == 202
    assert calls[0]["FunctionName"] == "pixelprompt-test"
    assert calls[0]["InvocationType"] == "Event"
    assert json.loads(calls[0]["Payload"])["jobId"] == body["jobId"]


def test_failed_dispatch_answers_503_and_fails_the_job(s3, event, call, get_status):
    # GIVEN moto's Lambda, where the function does not exist, so the invoke fails
    # WHEN a job is requested
    status, body, _ = call(event("httpApiV2_generate.json"))
    # THEN the client hears it could not start...
    assert (status, body["code"]) == (503, "DISPATCH_FAILED")
    # ...and no job is left pending
    listing = s3.list_objects_v2(Bucket=BUCKET, Prefix="jobs/")
    (key,) = [o["Key"] for o in listing["Contents"]]
    record = json.loads(s3.get_object(Bucket=BUCKET, Key=key)["Body"].read())
    assert record["status"] == "failed"
    assert {r["error"] for r in record["results"]} == {"the job could not be started"}


def test_failed_dispatch_gives_back_the_rate_limit_slot(s3, event, call, set_env, monkeypatch):
    # GIVEN a per-IP limit of 1
    set_env(IP_RATE_LIMIT="1")
    # WHEN the first attempt cannot dispatch, and the second can
    first, _, _ = call(event("httpApiV2_generate.json"))
    monkeypatch.setattr("pixelprompt.dispatch.send", lambda payload: None)
    second, _, _ = call(event("httpApiV2_generate.json"))
    # THEN the failed attempt did not use up the slot
    assert (first, second) == (503, 202)


def test_missing_function_name_is_dispatch_failure(s3, event, call, set_env):
    set_env(AWS_LAMBDA_FUNCTION_NAME=None)
    status, body, _ = call(event("httpApiV2_generate.json"))
    assert (status, body["code"]) == (503, "DISPATCH_FAILED")


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        ({}, "MISSING_PROMPT"),
        ({"prompt": None}, "MISSING_PROMPT"),
        ({"prompt": "   \n\t "}, "MISSING_PROMPT"),
        ({"prompt": 42}, "INVALID_PROMPT"),
        ({"prompt": ["a", "b"]}, "INVALID_PROMPT"),
        ({"prompt": "x" * 1001}, "PROMPT_TOO_LONG"),
        ({"prompt": "fox", "steps": True}, "INVALID_PARAMETER"),
        ({"prompt": "fox", "steps": 2.5}, "INVALID_PARAMETER"),
        ({"prompt": "fox", "steps": "30"}, "INVALID_PARAMETER"),
        ({"prompt": "fox", "steps": 0}, "INVALID_PARAMETER"),
        ({"prompt": "fox", "steps": 151}, "INVALID_PARAMETER"),
        ({"prompt": "fox", "steps": 10**400}, "INVALID_PARAMETER"),
        ({"prompt": "fox", "guidance": "7"}, "INVALID_PARAMETER"),
        ({"prompt": "fox", "guidance": False}, "INVALID_PARAMETER"),
        ({"prompt": "fox", "guidance": 30.01}, "INVALID_PARAMETER"),
        ({"prompt": "fox", "guidance": -0.1}, "INVALID_PARAMETER"),
        ({"prompt": "fox", "guidance": 10**400}, "INVALID_PARAMETER"),
        ({"prompt": "fox", "control": 11}, "INVALID_PARAMETER"),
        ({"prompt": "fox", "control": {"x": 1}}, "INVALID_PARAMETER"),
    ],
)
def test_invalid_input_is_400_with_a_sentence(s3, dispatched, event, call, payload, code):
    status, body, _ = call(event("httpApiV2_generate.json", body=payload))
    assert (status, body["code"]) == (400, code)
    assert body["error"].endswith(".")
    assert dispatched == []


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("{not json", "INVALID_JSON"),
        ("", "INVALID_JSON"),
        ('["a list"]', "INVALID_BODY"),
        ('"a string"', "INVALID_BODY"),
        ("null", "INVALID_BODY"),
        ('{"prompt": NaN, "x": Infinity}', "INVALID_PROMPT"),
        ('{"prompt": "fox", "guidance": Infinity}', "INVALID_PARAMETER"),
        ('{"prompt": "fox", "steps": ' + "9" * 5000 + "}", "INVALID_JSON"),
        ("[" * 100_00 + "]" * 100_00, "INVALID_JSON"),
    ],
)
def test_malformed_body_is_400(s3, event, call, raw, code):
    status, body, _ = call(event("httpApiV2_generate.json", body=raw))
    assert (status, body["code"]) == (400, code)


def test_non_utf8_body_is_400(s3, event, call):
    status, body, _ = call(event("httpApiV2_generate.json", body=b"\xff\xfe{}", b64=True))
    assert (status, body["code"]) == (400, "INVALID_JSON")


def test_integral_float_steps_are_accepted(s3, dispatched, event, call):
    status, _, _ = call(event("httpApiV2_generate.json", body={"prompt": "fox", "steps": 30.0}))
    assert status == 202


def test_prompt_at_1000_chars_is_accepted(s3, dispatched, event, call):
    status, _, _ = call(event("httpApiV2_generate.json", body={"prompt": "y" * 1000}))
    assert status == 202


@pytest.mark.parametrize("prompt", ["a beheading at dawn", "N4ked CHILD on a beach", "Rape scene"])
def test_blocked_prompt_is_400_saying_why(s3, dispatched, event, call, prompt):
    status, body, _ = call(event("httpApiV2_generate.json", body={"prompt": prompt}))
    assert (status, body["code"]) == (400, "CONTENT_BLOCKED")
    assert "refused because it asks for" in body["error"]
    assert dispatched == []


@pytest.mark.parametrize(
    "prompt", ["a bunch of grapes", "a drape over a chair", "childhood memories"]
)
def test_innocent_words_containing_blocked_ones_pass(s3, dispatched, event, call, prompt):
    status, _, _ = call(event("httpApiV2_generate.json", body={"prompt": prompt}))
    assert status == 202


def test_ip_in_the_body_is_ignored(s3, dispatched, event, call, set_env):
    # GIVEN a limit of 1 per IP, and a client claiming another IP in the body
    set_env(IP_RATE_LIMIT="1")
    ev = event(
        "httpApiV2_generate.json", body={"prompt": "fox", "ip": "10.9.9.9", "sourceIp": "1.2.3.4"}
    )
    # WHEN it posts twice
    first, _, _ = call(ev)
    second, _, _ = call(ev)
    # THEN the requestContext IP was counted both times
    assert (first, second) == (202, 429)


def test_x_forwarded_for_is_ignored(s3, dispatched, event, call, set_env):
    set_env(IP_RATE_LIMIT="1")
    first, _, _ = call(event("httpApiV2_generate.json", headers={"x-forwarded-for": "1.1.1.1"}))
    second, _, _ = call(event("httpApiV2_generate.json", headers={"x-forwarded-for": "2.2.2.2"}))
    assert (first, second) == (202, 429)


def test_record_write_failure_answers_503(s3, event, call, monkeypatch):
    def boom(*args, **kwargs):
        raise ClientError({"Error": {"Code": "AccessDenied", "Message": "no"}}, "PutObject")

    monkeypatch.setattr("pixelprompt.jobs.create", boom)
    status, body, _ = call(event("httpApiV2_generate.json"))
    assert (status, body["code"]) == (503, "SERVICE_UNAVAILABLE")
