"""No lost updates: simultaneous results and simultaneous admissions against a faithful S3."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from botocore.exceptions import ClientError
from moto.s3.models import S3Backend
from pixelprompt import s3json

from tests.handler.support import BUCKET, model_env

TWENTY = [f"fake/ok-{n}" for n in range(1, 21)]


@pytest.fixture(autouse=True)
def slow_s3_writes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Widen moto's gap between checking a condition and writing, so a race would show.

    Without the serialising lock in conftest these tests lose updates; with it (like real S3)
    they must not.
    """
    original = S3Backend.put_object

    def slow_put(self: S3Backend, *args: Any, **kwargs: Any) -> Any:
        time.sleep(0.003)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(S3Backend, "put_object", slow_put)


def test_twenty_models_finishing_together_are_all_recorded(
    s3, set_env, generate_job, run_worker, get_status, fake_providers
):
    # GIVEN 20 models that all answer at the very same moment
    set_env(**model_env(TWENTY))
    fake_providers.barrier = threading.Barrier(20)
    job_id, payload = generate_job()
    # WHEN the worker runs them
    run_worker(payload)
    # THEN all 20 results are in the one record
    _, body = get_status(job_id)
    assert body["status"] == "completed"
    assert body["completedModels"] == 20
    assert [r["model"] for r in body["results"]] == TWENTY
    assert all(r["status"] == "completed" for r in body["results"])


def test_twenty_models_run_at_once_not_in_a_capped_pool(
    s3, set_env, generate_job, run_worker, fake_providers, get_status
):
    # GIVEN 20 models that can only finish once all 20 are running (a barrier of 20)
    set_env(**model_env(TWENTY))
    fake_providers.barrier = threading.Barrier(20)
    job_id, payload = generate_job()
    # WHEN the worker runs
    run_worker(payload)
    # THEN no model timed out at the barrier: all were in flight together
    _, body = get_status(job_id)
    assert body["succeededModels"] == 20


def _burst(call, event, n: int, ips: list[str]) -> list[tuple[int, dict]]:
    start = threading.Barrier(n)

    def one(i: int) -> tuple[int, dict]:
        ev = event("httpApiV2_generate.json", body={"prompt": f"fox {i}"}, ip=ips[i % len(ips)])
        start.wait(10)
        status, body, headers = call(ev)
        return status, {**body, "retryAfter": headers.get("Retry-After")}

    with ThreadPoolExecutor(max_workers=n) as pool:
        return list(pool.map(one, range(n)))


def test_twenty_simultaneous_requests_at_ip_limit_five_admit_exactly_five(
    s3, set_env, dispatched, event, call
):
    # GIVEN a per-IP limit of 5
    set_env(IP_RATE_LIMIT="5", GLOBAL_RATE_LIMIT="1000")
    # WHEN one IP sends 20 requests at the same moment
    answers = _burst(call, event, 20, ["198.51.100.20"])
    # THEN exactly 5 are admitted and the rest are told when to come back
    statuses = sorted(status for status, _ in answers)
    assert statuses.count(202) == 5
    assert statuses.count(429) == 15
    refused = [body for status, body in answers if status == 429]
    assert all(b["code"] == "RATE_LIMITED" and int(b["retryAfter"]) > 86000 for b in refused)
    assert len(dispatched) == 5


def test_twenty_simultaneous_requests_at_global_limit_five_admit_exactly_five(
    s3, set_env, dispatched, event, call
):
    # GIVEN a global limit of 5 and 20 different clients
    set_env(IP_RATE_LIMIT="1000", GLOBAL_RATE_LIMIT="5")
    ips = [f"203.0.113.{n}" for n in range(20)]
    # WHEN they all post at once
    answers = _burst(call, event, 20, ips)
    # THEN exactly 5 are admitted
    assert sorted(s for s, _ in answers).count(202) == 5
    assert all(int(b["retryAfter"]) > 3500 for s, b in answers if s == 429)


def test_global_refusal_does_not_spend_the_ip_slot(s3, set_env, dispatched, event, call):
    # GIVEN the global limit already reached by others
    set_env(IP_RATE_LIMIT="1", GLOBAL_RATE_LIMIT="1")
    assert call(event("httpApiV2_generate.json", ip="192.0.2.1"))[0] == 202
    # WHEN a new client is refused globally, then the global window frees up
    assert call(event("httpApiV2_generate.json", ip="192.0.2.2"))[0] == 429
    set_env(IP_RATE_LIMIT="1", GLOBAL_RATE_LIMIT="10")
    # THEN that client's own daily slot is still unused
    assert call(event("httpApiV2_generate.json", ip="192.0.2.2"))[0] == 202


def test_whitelisted_ip_bypasses_both_limits(s3, set_env, dispatched, event, call):
    set_env(IP_RATE_LIMIT="1", GLOBAL_RATE_LIMIT="1", IP_WHITELIST="10.0.0.1, 192.0.2.99")
    statuses = [call(event("httpApiV2_generate.json", ip="192.0.2.99"))[0] for _ in range(3)]
    assert statuses == [202, 202, 202]


def test_zero_limit_means_no_limit(s3, set_env, dispatched, event, call):
    set_env(IP_RATE_LIMIT="0", GLOBAL_RATE_LIMIT="0")
    statuses = [call(event("httpApiV2_generate.json"))[0] for _ in range(3)]
    assert statuses == [202, 202, 202]
    assert "Contents" not in s3.list_objects_v2(Bucket=BUCKET, Prefix="ratelimit/")


def test_compare_and_swap_counts_exactly_under_contention(s3):
    # GIVEN 20 threads each adding one to a shared counter document
    def add_one(doc):
        return {"n": (doc or {"n": 0})["n"] + 1}

    start = threading.Barrier(20)

    def bump(_: int) -> None:
        start.wait(10)
        s3json.update(s3, BUCKET, "ratelimit/test-counter.json", add_one)

    # WHEN they run at once
    with ThreadPoolExecutor(max_workers=20) as pool:
        list(pool.map(bump, range(20)))
    # THEN no increment was lost
    assert s3json.read(s3, BUCKET, "ratelimit/test-counter.json")[0] == {"n": 20}


def test_stale_etag_is_refused_by_s3(s3):
    # GIVEN a document that changed after we read it
    s3json.write(s3, BUCKET, "jobs/x/status.json", {"v": 1})
    _, etag = s3json.read(s3, BUCKET, "jobs/x/status.json")
    s3json.write(s3, BUCKET, "jobs/x/status.json", {"v": 2}, etag=etag)
    # WHEN we write with the old ETag
    with pytest.raises(ClientError) as refused:
        s3json.write(s3, BUCKET, "jobs/x/status.json", {"v": 3}, etag=etag)
    # THEN S3 answers PreconditionFailed and the newer version stays
    assert refused.value.response["Error"]["Code"] == "PreconditionFailed"
    assert s3json.read(s3, BUCKET, "jobs/x/status.json")[0] == {"v": 2}


def test_recorder_merges_alone_lose_nothing(
    s3, set_env, generate_job, run_worker, get_status, fake_providers, monkeypatch
):
    # GIVEN 20 simultaneous results and no final safety-net merge
    from pixelprompt import worker

    monkeypatch.setattr(worker.JobRun, "_finalise", lambda self: self.recorder.close(5))
    set_env(**model_env(TWENTY))
    fake_providers.barrier = threading.Barrier(20)
    job_id, payload = generate_job()
    # WHEN the worker runs
    run_worker(payload)
    # THEN the recorder's conditional merges recorded all 20
    _, body = get_status(job_id)
    assert (body["status"], body["completedModels"]) == ("completed", 20)


def test_recorder_writes_results_that_arrive_together_at_once(s3, generate_job):
    # GIVEN three results queued before the recorder gets to run
    from pixelprompt import jobs
    from pixelprompt.recorder import Recorder

    job_id, _ = generate_job()
    recorder = Recorder(s3, BUCKET, job_id)
    for index in (1, 2, 3):
        recorder.add({"index": index, "status": "completed", "imageKey": f"images/g/{index}.png"})
    # WHEN it runs and closes
    recorder.start().close(5)
    # THEN one conditional write recorded all three
    assert recorder.writes == 1
    assert jobs.read(s3, BUCKET, job_id)["status"] == "completed"


def test_merge_keeps_a_writer_from_another_invocation(s3, generate_job):
    # GIVEN a record another writer changed after our recorder started
    from pixelprompt import jobs
    from pixelprompt.recorder import Recorder

    job_id, _ = generate_job()
    recorder = Recorder(s3, BUCKET, job_id).start()
    jobs.update(
        s3,
        BUCKET,
        job_id,
        lambda d: jobs.merge(d, {"index": 1, "status": "error", "error": "x"}, 0),
    )
    # WHEN our recorder merges its own results
    recorder.add({"index": 2, "status": "completed", "imageKey": "images/g/2.png"})
    recorder.close(5)
    # THEN both writers' results are in the record
    record = jobs.read(s3, BUCKET, job_id)
    assert [r["status"] for r in record["results"]] == ["error", "completed", "pending"]
