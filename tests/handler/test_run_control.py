"""Retry one failed model, cancel a running job: exact under concurrency (compare-and-swap)."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from pixelprompt import jobs

from tests.handler.support import BUCKET, model_env


@pytest.fixture
def post(post_job):
    """POST to a job's run-control route: (status, body)."""

    def send(job_id: str, action: str, body: Any = None, ip: str | None = None):
        status, answer, _ = post_job(job_id, action, body, ip)
        return status, answer

    return send


def _finished_with_one_failure(set_env, fake_providers, generate_job, run_worker):
    set_env(**model_env(["fake/ok-one", "fake/flaky", "fake/ok-three"]))
    fake_providers.fail_once = {"flaky"}
    job_id, payload = generate_job()
    run_worker(payload)
    return job_id


def test_retry_reruns_only_the_failed_model_into_the_same_job(
    s3, set_env, fake_providers, generate_job, run_worker, get_status, post, dispatched
):
    # GIVEN a finished job whose slot 2 failed
    job_id = _finished_with_one_failure(set_env, fake_providers, generate_job, run_worker)
    assert get_status(job_id)[1]["status"] == "partial"
    calls_before = len(fake_providers.generate_calls)
    # WHEN slot 2 is retried
    status, body = post(job_id, "retry", {"model": 2})
    assert (status, body["attempt"], body["model"]) == (202, 2, 2), body
    run_worker(dispatched[-1])
    # THEN only that model ran again, and the job is now complete
    assert [m for m, _ in fake_providers.generate_calls[calls_before:]] == ["flaky"]
    _, job = get_status(job_id)
    assert job["status"] == "completed"
    retried = job["results"][1]
    assert retried["attempt"] == 2 and retried["imageKey"].endswith("-attempt2.png")
    assert retried["earlierErrors"] == ["The provider had a hiccup (HTTP 503)."]
    # AND the earlier attempt's audit object is kept beside the new one
    keys = {
        o["Key"]
        for o in s3.list_objects_v2(Bucket=BUCKET, Prefix=f"jobs/{job_id}/results/")["Contents"]
    }
    assert jobs.result_key(job_id, 2) in keys and jobs.result_key(job_id, 2, 2) in keys


def test_simultaneous_retries_of_one_model_start_it_exactly_once(
    s3, set_env, fake_providers, generate_job, run_worker, post, dispatched, slow_s3_writes
):
    job_id = _finished_with_one_failure(set_env, fake_providers, generate_job, run_worker)
    dispatched.clear()
    start = threading.Barrier(10)

    def one(_: int) -> int:
        start.wait(10)
        return post(job_id, "retry", {"model": 2})[0]

    with ThreadPoolExecutor(max_workers=10) as pool:
        codes = list(pool.map(one, range(10)))
    assert sorted(codes) == [202] + [409] * 9
    assert len(dispatched) == 1


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"model": 1}, 409, "NOT_RETRYABLE"),  # it succeeded
        ({"model": 7}, 400, "INVALID_MODELS"),
        ({"model": "2"}, 400, "INVALID_MODELS"),
        ({}, 400, "INVALID_MODELS"),
    ],
)
def test_retry_refuses_what_cannot_be_retried(
    s3, set_env, fake_providers, generate_job, run_worker, post, body, status, code
):
    job_id = _finished_with_one_failure(set_env, fake_providers, generate_job, run_worker)
    got, answer = post(job_id, "retry", body)
    assert (got, answer["code"]) == (status, code), answer
    assert answer["error"].endswith(".")


def test_retry_of_an_unknown_job_is_404_and_takes_no_rate_limit_slot(s3, set_env, post):
    set_env(IP_RATE_LIMIT="1")
    status, body = post("00000000-0000-4000-8000-000000000000", "retry", {"model": 1})
    assert (status, body["code"]) == (404, "JOB_NOT_FOUND")
    assert "Contents" not in s3.list_objects_v2(Bucket=BUCKET, Prefix="ratelimit/ip/")


def test_retry_counts_against_the_paid_rate_limit(
    s3, set_env, fake_providers, generate_job, run_worker, post
):
    job_id = _finished_with_one_failure(set_env, fake_providers, generate_job, run_worker)
    set_env(IP_RATE_LIMIT="1")  # the generate above took the only slot of this IP
    status, body = post(job_id, "retry", {"model": 2})
    assert status == 429 and body["code"] == "RATE_LIMITED"


def test_cancel_before_the_worker_starts_submits_no_model(
    s3, generate_job, run_worker, get_status, post, fake_providers
):
    # GIVEN a job whose worker has not started yet
    job_id, payload = generate_job()
    # WHEN it is cancelled, and then the worker event arrives
    status, body = post(job_id, "cancel")
    assert status == 200 and body["status"] == "failed" and body["cancelled"] is True
    run_worker(payload)
    # THEN no provider was called, and every model says "cancelled"
    assert fake_providers.generate_calls == []
    _, job = get_status(job_id)
    assert job["status"] == "failed" and job["error"] == "cancelled"
    assert {(r["status"], r["error"], r["errorCode"]) for r in job["results"]} == {
        ("error", "cancelled", "CANCELLED")
    }


def test_cancel_twice_is_the_same_as_once_and_a_finished_job_is_409(
    s3, generate_job, run_worker, post
):
    job_id, _ = generate_job()
    assert post(job_id, "cancel")[0] == 200
    assert post(job_id, "cancel")[0] == 200
    done_id, payload = generate_job()
    run_worker(payload)
    status, body = post(done_id, "cancel")
    assert (status, body["code"]) == (409, "JOB_FINISHED")


def test_cancel_of_an_unknown_or_malformed_job(s3, post):
    assert post("00000000-0000-4000-8000-000000000000", "cancel")[1]["code"] == "JOB_NOT_FOUND"
    assert post("not-a-uuid", "cancel")[1]["code"] == "INVALID_JOB_ID"


def test_an_image_in_flight_when_cancelled_is_kept_when_it_lands(
    s3, set_env, fake_providers, generate_job, run_worker, get_status, post
):
    # GIVEN a job with one model answering at once and one whose request is in flight
    set_env(**model_env(["fake/ok-one", "fake/held"]))
    fake_providers.hold = threading.Event()
    job_id, payload = generate_job()
    worker = threading.Thread(target=run_worker, args=(payload,))
    worker.start()
    _wait(lambda: get_status(job_id)[1]["results"][0]["status"] == "completed")
    # WHEN the job is cancelled while the held model is still in flight
    status, body = post(job_id, "cancel")
    assert status == 200 and body["status"] == "partial"
    assert body["results"][1]["errorCode"] == "CANCELLED"
    # AND its (already paid) image arrives afterwards
    fake_providers.hold.set()
    worker.join(30)
    # THEN nothing is lost: the first result stays, the late image is recorded
    _, job = get_status(job_id)
    assert [r["status"] for r in job["results"]] == ["completed", "completed"]
    assert job["cancelled"] is True


def test_cancel_racing_twenty_completions_loses_none_of_them(
    s3, set_env, fake_providers, generate_job, run_worker, get_status, post, slow_s3_writes
):
    # GIVEN twenty models that all answer at the same moment
    names = [f"fake/ok-{n}" for n in range(1, 21)]
    set_env(**model_env(names))
    fake_providers.barrier = threading.Barrier(21)  # the twenty models and the cancel
    job_id, payload = generate_job()
    worker = threading.Thread(target=run_worker, args=(payload,))
    worker.start()
    _wait(lambda: get_status(job_id)[1]["status"] == "in_progress")
    # WHEN a cancel lands while their results are being written
    fake_providers.barrier.wait(10)
    status, _ = post(job_id, "cancel")
    worker.join(60)
    # THEN the cancel either landed or found the job finished, and every image is recorded
    assert status in (200, 409)
    _, job = get_status(job_id)
    assert [r["status"] for r in job["results"]] == ["completed"] * 20
    assert all(r["imageKey"] for r in job["results"])
    assert job["completedModels"] == 20


def _wait(condition, seconds: float = 10.0) -> None:
    end = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < end, "condition not met in time"
        time.sleep(0.02)
