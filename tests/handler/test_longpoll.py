"""GET /status?wait=&since=: the bounded long-poll that lets the page show a result at once."""

from __future__ import annotations

import threading
import time

import pytest
from pixelprompt import jobs, longpoll


def _status(event, call, job_id: str, **query: str):
    ev = event("httpApiV2_status.json", path=f"/status/{job_id}")
    ev["pathParameters"] = {"jobId": job_id}
    ev["queryStringParameters"] = query
    status, body, _ = call(ev)
    return status, body


def _count_gets(monkeypatch, client, on_get=None) -> list[str]:
    calls: list[str] = []
    original = client._make_api_call

    def counted(op, params):
        calls.append(op)
        if on_get and op == "GetObject":
            on_get(len(calls))
        return original(op, params)

    monkeypatch.setattr(client, "_make_api_call", counted)
    return calls


@pytest.mark.parametrize("wait", ["²", "-1", "21", "1.5", "abc", "0x5", ""])
def test_a_bad_wait_is_400_with_a_sentence(s3, generate_job, event, call, wait):
    job_id, _ = generate_job()
    status, body = _status(event, call, job_id, wait=wait)
    assert (status, body["code"]) == (400, "INVALID_PARAMETER")
    assert "wait must be a whole number" in body["error"]


def test_a_bad_since_is_400(s3, generate_job, event, call):
    job_id, _ = generate_job()
    status, body = _status(event, call, job_id, wait="5", since="<script>")
    assert (status, body["code"]) == (400, "INVALID_PARAMETER")


def test_a_changed_record_is_answered_with_one_read(s3, generate_job, event, call, monkeypatch):
    # GIVEN a job the client last saw at an older updatedAt
    from pixelprompt import aws

    job_id, _ = generate_job()
    calls = _count_gets(monkeypatch, aws.s3())
    # WHEN it long-polls
    status, body = _status(event, call, job_id, wait="20", since="2000-01-01T00:00:00.000Z")
    # THEN the answer comes from the first read
    assert status == 200 and body["jobId"] == job_id
    assert calls == ["GetObject"]


def test_the_answer_leaves_when_the_record_changes(s3, generate_job, event, call, monkeypatch):
    # GIVEN a long-poll on the record as it is now
    from pixelprompt import aws, config

    job_id, _ = generate_job()
    _, first = _status(event, call, job_id)
    read_twice = threading.Event()
    calls = _count_gets(monkeypatch, aws.s3(), lambda n: n >= 2 and read_twice.set())
    bucket = config.get().bucket

    def record_a_result() -> None:
        assert read_twice.wait(10)
        result = {"index": 1, "status": "error", "error": "a provider said no"}
        jobs.update(s3, bucket, job_id, lambda d: jobs.merge(d, result, time.time() + 1))

    writer = threading.Thread(target=record_a_result)
    writer.start()
    # WHEN the record changes while the function waits
    status, body = _status(event, call, job_id, wait="20", since=first["updatedAt"])
    writer.join(10)
    # THEN the answer carries the change, long before the wait ran out
    assert status == 200
    assert body["updatedAt"] != first["updatedAt"]
    assert body["results"][0]["error"] == "a provider said no"
    assert 2 <= calls.count("GetObject") < 20 / longpoll.RECHECK_SECONDS


def test_an_unchanged_record_is_answered_when_the_wait_ends():
    # GIVEN a record that never changes, and a clock the test drives
    now = [0.0]
    reads = []

    def read_view():
        reads.append(now[0])
        return {"updatedAt": "t1", "status": "in_progress", "results": []}

    def sleep(seconds: float) -> None:
        now[0] += seconds

    # WHEN the client waits 2 s
    view = longpoll.until_changed(
        read_view, "t1", 2, terminal=jobs.TERMINAL, clock=lambda: now[0], sleep=sleep
    )
    # THEN it is answered within the wait, with the record as it is, after bounded re-reads
    assert view["updatedAt"] == "t1"
    assert now[0] <= 2
    assert int(2 / longpoll.RECHECK_SECONDS) <= len(reads) <= 1 + 2 / longpoll.RECHECK_SECONDS


def test_bookkeeping_does_not_wake_a_wait_but_a_result_does():
    # GIVEN a record marked in progress (no result yet), then given one result, then another
    def record(stamp: str, *states: str) -> dict:
        results = [{"index": i, "status": s} for i, s in enumerate(states, start=1)]
        return {"updatedAt": stamp, "status": "in_progress", "results": results}

    now = [0.0]
    views = iter(
        [
            record("t1", "pending", "pending"),
            record("t2", "in_progress", "in_progress"),
            record("t3", "error", "in_progress"),
            record("t4", "error", "completed"),  # a model finishing just after: the same answer
        ]
    )

    def sleep(seconds: float) -> None:
        now[0] += seconds

    view = longpoll.until_changed(
        lambda: next(views), "t1", 20, terminal=jobs.TERMINAL, clock=lambda: now[0], sleep=sleep
    )
    # THEN the in-progress record woke nobody; the answer holds both results, one linger later
    assert view["updatedAt"] == "t4"
    assert now[0] == pytest.approx(2 * longpoll.RECHECK_SECONDS + longpoll.LINGER_SECONDS)


def test_a_client_behind_the_record_is_answered_at_once():
    reads = []

    def read_view():
        reads.append(1)
        return {"updatedAt": "t2", "status": "in_progress", "results": []}

    longpoll.until_changed(read_view, "t1", 20, terminal=jobs.TERMINAL, sleep=pytest.fail)
    assert reads == [1]


def test_a_terminal_job_is_answered_at_once():
    reads = []

    def read_view():
        reads.append(1)
        return {"updatedAt": "t1", "status": "completed"}

    longpoll.until_changed(read_view, "t1", 20, terminal=jobs.TERMINAL, sleep=pytest.fail)
    assert reads == [1]
