"""A retry is paid like a /generate of one model: it reserves its estimate against the daily
budget at admission, and the worker corrects that to what the retried attempt cost."""

from __future__ import annotations

import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from pixelprompt import budget, dispatch, jobs
from pixelprompt.providers.prices import UNKNOWN_MODEL_USD

from tests.handler.support import BUCKET, model_env

EST = UNKNOWN_MODEL_USD  # the fake models are not in the price table


@pytest.fixture
def retry(post_job):
    """POST /jobs/{id}/retry for one slot: (status, body, headers)."""

    def send(job_id: str, model: int, ip: str | None = None):
        return post_job(job_id, "retry", {"model": model}, ip)

    return send


def _budget_doc(s3) -> dict[str, Any]:
    key = budget.doc_key(budget.day_of(time.time()))
    return json.loads(s3.get_object(Bucket=BUCKET, Key=key)["Body"].read())


def _retry_entries(doc: dict[str, Any], job_id: str) -> dict[str, Any]:
    return {k: v for k, v in doc["entries"].items() if k.startswith(f"{job_id}:retry-")}


def _global_hits(s3) -> list[Any]:
    body = s3.get_object(Bucket=BUCKET, Key="ratelimit/global.json")["Body"].read()
    return list(json.loads(body)["hits"])


def _etags(s3, prefix: str) -> dict[str, str]:
    listed = s3.list_objects_v2(Bucket=BUCKET, Prefix=prefix).get("Contents", [])
    return {o["Key"]: o["ETag"] for o in listed}


def _job_with_failures(set_env, fake_providers, generate_job, run_worker, names, fail_once=()):
    set_env(DAILY_BUDGET_USD="100", **model_env(names))
    fake_providers.fail_once = set(fail_once)
    job_id, payload = generate_job()
    run_worker(payload)
    return job_id


def test_a_retry_on_a_spent_day_is_refused_before_anything_is_written(
    s3, set_env, fake_providers, generate_job, run_worker, retry, dispatched, get_status
):
    # GIVEN a finished job whose slot 2 failed, and a budget with less room than its estimate
    job_id = _job_with_failures(
        set_env, fake_providers, generate_job, run_worker, ["fake/ok", "fake/flaky"], ["flaky"]
    )
    assert budget.spent(_budget_doc(s3)) == pytest.approx(2 * EST)
    set_env(DAILY_BUDGET_USD=str(2 * EST + 0.1))
    before = {
        "counters": _etags(s3, "ratelimit/"),
        "budget": _etags(s3, "budget/"),
        "job": _etags(s3, f"jobs/{job_id}/"),
    }
    dispatched.clear()
    calls = len(fake_providers.generate_calls)
    # WHEN slot 2 is retried
    status, body, headers = retry(job_id, 2)
    # THEN it is refused with the budget's own answer
    assert (status, body["code"]) == (429, "BUDGET_EXHAUSTED"), body
    assert "$0.60" in body["error"] and "spent up to $0.50" in body["error"]
    assert "would cost up to $0.25" in body["error"] and "midnight UTC" in body["error"]
    assert abs(int(headers["Retry-After"]) - budget.seconds_to_reset(time.time())) <= 5
    # AND nothing was dispatched or sent, and no counter, budget or job object was written
    assert dispatched == [] and len(fake_providers.generate_calls) == calls
    after = {
        "counters": _etags(s3, "ratelimit/"),
        "budget": _etags(s3, "budget/"),
        "job": _etags(s3, f"jobs/{job_id}/"),
    }
    assert after == before
    assert get_status(job_id)[1]["results"][1]["status"] == "error"


def test_an_admitted_retry_holds_its_estimate_until_the_worker_settles_the_measured_cost(
    s3, set_env, fake_providers, generate_job, run_worker, retry, dispatched, get_status
):
    # GIVEN a job whose slot 2 (reporting 5 cents when it works) failed once: its first
    # attempt stays billed at the estimate, in the job's own, settled entry
    job_id = _job_with_failures(
        set_env,
        fake_providers,
        generate_job,
        run_worker,
        ["fake/priced-3", "fake/priced-5"],
        ["priced-5"],
    )
    first = 0.03 + EST
    assert _budget_doc(s3)["entries"][job_id] == pytest.approx(first)
    # WHEN slot 2 is retried
    status, body, _ = retry(job_id, 2)
    assert (status, body["attempt"]) == (202, 2), body
    # THEN the retry holds the model's estimate in an entry of its own
    doc = _budget_doc(s3)
    (held,) = _retry_entries(doc, job_id).values()
    assert held == {"2": [EST, 0]}
    assert budget.spent(doc) == pytest.approx(first + EST)
    # AND the card shows the new attempt's estimate; the bookkeeping stays internal
    card = get_status(job_id)[1]["results"][1]
    assert card["cost"] == {"usd": EST, "measured": False} and "budget" not in card
    # WHEN its worker runs (and Lambda delivers the event twice)
    run_worker(dispatched[-1])
    run_worker(dispatched[-1])
    # THEN the retry's entry is the measured cost and the first attempt's is untouched
    doc = _budget_doc(s3)
    assert list(_retry_entries(doc, job_id).values()) == [pytest.approx(0.05)]
    assert doc["entries"][job_id] == pytest.approx(first)
    assert budget.spent(doc) == pytest.approx(first + 0.05)
    card = get_status(job_id)[1]["results"][1]
    assert (card["status"], card["cost"]) == ("completed", {"usd": 0.05, "measured": True})


def test_with_room_for_two_retries_ten_simultaneous_retries_admit_exactly_two(
    s3, set_env, fake_providers, generate_job, run_worker, retry, dispatched, slow_s3_writes
):
    # GIVEN a job whose ten models all failed, and a budget with room for exactly two more
    names = [f"fake/moderated-{i}" for i in range(1, 11)]
    job_id = _job_with_failures(set_env, fake_providers, generate_job, run_worker, names)
    assert budget.spent(_budget_doc(s3)) == pytest.approx(10 * EST)
    set_env(DAILY_BUDGET_USD=str(12 * EST), IP_RATE_LIMIT="1000", GLOBAL_RATE_LIMIT="1000")
    hits_before = len(_global_hits(s3))
    dispatched.clear()
    start = threading.Barrier(10)

    def one(slot: int) -> tuple[int, Any, dict[str, str]]:
        start.wait(10)
        return retry(job_id, slot, ip=f"198.51.100.{slot}")

    # WHEN each of the ten models is retried at the same moment
    with ThreadPoolExecutor(max_workers=10) as pool:
        answers = list(pool.map(one, range(1, 11)))
    # THEN exactly two are admitted and dispatched, the rest refused by the budget
    codes = [body.get("code") for status, body, _ in answers if status != 202]
    assert sum(1 for status, _, _ in answers if status == 202) == 2, answers
    assert codes == ["BUDGET_EXHAUSTED"] * 8
    assert len(dispatched) == 2
    # AND the day holds exactly two retry estimates, and the refused kept no rate-limit slot
    doc = _budget_doc(s3)
    assert len(_retry_entries(doc, job_id)) == 2
    assert budget.spent(doc) == pytest.approx(12 * EST)
    assert len(_global_hits(s3)) == hits_before + 2
    # AND exactly the two admitted models are pending their second attempt
    record = jobs.read(s3, BUCKET, job_id)
    retried = [r["index"] for r in record["results"] if r.get("attempt") == 2]
    admitted = [slot for slot, (status, _, _) in enumerate(answers, start=1) if status == 202]
    assert sorted(retried) == admitted
    assert all(r["status"] == "pending" for r in record["results"] if r["index"] in admitted)


def test_a_retry_that_could_not_start_gives_its_budget_and_slot_back(
    s3, set_env, fake_providers, generate_job, run_worker, retry, monkeypatch, get_status
):
    job_id = _job_with_failures(
        set_env, fake_providers, generate_job, run_worker, ["fake/ok", "fake/flaky"], ["flaky"]
    )
    spent_before = budget.spent(_budget_doc(s3))
    hits_before = len(_global_hits(s3))

    def broken(payload: Any) -> None:
        raise dispatch.DispatchError("Lambda is down")

    monkeypatch.setattr(dispatch, "send", broken)
    status, body, _ = retry(job_id, 2)
    assert (status, body["code"]) == (503, "DISPATCH_FAILED")
    assert budget.spent(_budget_doc(s3)) == pytest.approx(spent_before)
    assert len(_global_hits(s3)) == hits_before
    card = get_status(job_id)[1]["results"][1]  # nothing was sent: the attempt cost nothing
    assert (card["status"], card["attempt"], card["cost"]) == (
        "error",
        2,
        {"usd": 0.0, "measured": True},
    )


def test_a_retry_without_a_budget_writes_no_budget_document(
    s3, set_env, fake_providers, generate_job, run_worker, retry, dispatched
):
    set_env(DAILY_BUDGET_USD="0", **model_env(["fake/ok", "fake/flaky"]))
    fake_providers.fail_once = {"flaky"}
    job_id, payload = generate_job()
    run_worker(payload)
    assert retry(job_id, 2)[0] == 202
    run_worker(dispatched[-1])
    assert "Contents" not in s3.list_objects_v2(Bucket=BUCKET, Prefix="budget/")
