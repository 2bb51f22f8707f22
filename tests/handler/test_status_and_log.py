"""GET /status id handling and POST /log client reports."""

from __future__ import annotations

import json

import pytest


def test_unknown_job_is_404(s3, get_status):
    status, body = get_status("8d0c5b38-3a47-4ab8-9fd4-30a6b0a9f2ee")
    assert (status, body["code"]) == (404, "JOB_NOT_FOUND")


@pytest.mark.parametrize(
    "job_id", ["123", "not-a-uuid", "8d0c5b38-3a47-4ab8-9fd4-30a6b0a9f2e", "..%2F"]
)
def test_malformed_job_id_is_400(s3, get_status, job_id):
    status, body = get_status(job_id)
    assert (status, body["code"]) == (400, "INVALID_JOB_ID")


def test_uppercase_job_id_finds_the_job(s3, generate_job, get_status):
    job_id, _ = generate_job()
    status, body = get_status(job_id.upper())
    assert (status, body["jobId"]) == (200, job_id)


def test_pending_status_has_the_contract_fields(s3, generate_job, get_status):
    job_id, _ = generate_job()
    _, body = get_status(job_id)
    for field in (
        "jobId",
        "status",
        "createdAt",
        "updatedAt",
        "prompt",
        "parameters",
        "totalModels",
        "completedModels",
        "results",
    ):
        assert field in body
    assert body["status"] == "pending"
    assert "correlationId" not in body
    assert set(body["results"][0]) >= {
        "index",
        "model",
        "provider",
        "status",
        "imageKey",
        "imageUrl",
        "duration",
        "error",
    }


def test_status_costs_one_s3_read(s3, generate_job, get_status, monkeypatch):
    # GIVEN a job, and a counter on the handler's S3 calls
    from pixelprompt import aws

    job_id, _ = generate_job()
    client = aws.s3()
    calls = []
    original = client._make_api_call
    monkeypatch.setattr(
        client, "_make_api_call", lambda op, params: calls.append(op) or original(op, params)
    )
    # WHEN the client polls
    get_status(job_id)
    # THEN exactly one GetObject was made
    assert calls == ["GetObject"]


def test_log_report_is_accepted_and_logged(s3, call, capsys):
    from tests.handler.support import load_event

    status, body, _ = call(load_event("httpApiV2_log.json"))
    assert (status, body) == (204, None)
    lines = [json.loads(x) for x in capsys.readouterr().out.splitlines() if x]
    (report,) = [x for x in lines if x["message"] == "client report"]
    assert report["level"] == "ERROR"
    assert report["client"]["message"].startswith("TypeError")
    assert report["sourceIp"] == "203.0.113.10"


def test_log_report_over_8kb_is_413(s3, event, call):
    status, body, _ = call(event("httpApiV2_log.json", body={"message": "x" * 9000}))
    assert (status, body["code"]) == (413, "PAYLOAD_TOO_LARGE")


def test_log_report_must_be_an_object(s3, event, call):
    status, body, _ = call(event("httpApiV2_log.json", body="[1,2]"))
    assert (status, body["code"]) == (400, "INVALID_BODY")


def test_log_report_values_are_clipped(s3, event, call, capsys):
    call(event("httpApiV2_log.json", body={"message": "y" * 5000, "nested": {"a": [1, 2]}}))
    lines = [json.loads(x) for x in capsys.readouterr().out.splitlines() if x]
    (report,) = [x for x in lines if x["message"] == "client report"]
    assert len(report["client"]["message"]) == 2000
    assert report["client"]["nested"] == "{'a': [1, 2]}"
