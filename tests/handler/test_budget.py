"""The daily budget in money: exact admission under concurrency, corrected to measured costs."""

from __future__ import annotations

import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

import pytest
from pixelprompt import budget, costs, dispatch
from pixelprompt.providers.prices import CHAT_CALL_USD, UNKNOWN_MODEL_USD

from tests.handler.support import BUCKET, model_env

PER_JOB = 3 * UNKNOWN_MODEL_USD  # the three fake models, which the price table does not know


def _doc(s3) -> dict[str, Any]:
    key = budget.doc_key(budget.day_of(time.time()))
    return json.loads(s3.get_object(Bucket=BUCKET, Key=key)["Body"].read())


def test_twenty_simultaneous_generates_with_room_for_three_admit_exactly_three(
    s3, set_env, event, call, dispatched, slow_s3_writes
):
    # GIVEN a budget of exactly three jobs' estimates and rate limits far away
    set_env(DAILY_BUDGET_USD=str(3 * PER_JOB), IP_RATE_LIMIT="1000", GLOBAL_RATE_LIMIT="1000")
    start = threading.Barrier(20)

    def one(i: int) -> tuple[int, Any, dict[str, str]]:
        ev = event("httpApiV2_generate.json", body={"prompt": f"fox {i}"}, ip=f"198.51.100.{i}")
        start.wait(10)
        return call(ev)

    # WHEN twenty clients ask at the same moment
    with ThreadPoolExecutor(max_workers=20) as pool:
        answers = list(pool.map(one, range(20)))
    # THEN exactly three jobs start and the day's spend holds exactly three estimates
    statuses = [status for status, _, _ in answers]
    assert (statuses.count(202), statuses.count(429)) == (3, 17)
    assert len(dispatched) == 3
    assert budget.spent(_doc(s3)) == pytest.approx(3 * PER_JOB)
    # AND each refusal says the budget, what is spent and when it resets, with Retry-After
    # pointing at UTC midnight
    for status, body, headers in answers:
        if status != 429:
            continue
        assert body["code"] == "BUDGET_EXHAUSTED"
        assert "$2.25" in body["error"] and "spent up to $2.25" in body["error"]
        assert "midnight UTC" in body["error"]
        assert abs(int(headers["Retry-After"]) - budget.seconds_to_reset(time.time())) <= 5
    # AND a refused job left no rate-limit slot behind (20 admissions, 3 kept)
    counter = s3.get_object(Bucket=BUCKET, Key="ratelimit/global.json")["Body"].read()
    assert len(json.loads(counter)["hits"]) == 3


def test_the_spend_is_corrected_to_the_measured_cost_when_the_models_finish(
    s3, set_env, generate_job, run_worker, get_status
):
    # GIVEN models reporting 3 and 5 cents, one the table does not know and that reports nothing,
    # and one refused by moderation (it may be billed: its estimate stays)
    set_env(
        DAILY_BUDGET_USD="10",
        **model_env(["fake/priced-3", "fake/priced-5", "fake/ok", "fake/moderated"]),
    )
    job_id, payload = generate_job()
    _, pending = get_status(job_id)
    assert pending["cost"] == {"usd": 4 * UNKNOWN_MODEL_USD, "measured": False}
    assert budget.spent(_doc(s3)) == pytest.approx(4 * UNKNOWN_MODEL_USD)
    # WHEN the worker runs them
    run_worker(payload)
    # THEN /status shows each model's cost, measured where the provider reported it
    _, body = get_status(job_id)
    costs = {r["model"]: r["cost"] for r in body["results"]}
    assert costs["fake/priced-3"] == {"usd": 0.03, "measured": True}
    assert costs["fake/priced-5"] == {"usd": 0.05, "measured": True}
    assert costs["fake/ok"] == {"usd": UNKNOWN_MODEL_USD, "measured": False}
    assert costs["fake/moderated"] == {"usd": UNKNOWN_MODEL_USD, "measured": False}
    total = 0.08 + 2 * UNKNOWN_MODEL_USD
    assert body["cost"]["usd"] == pytest.approx(total) and body["cost"]["measured"] is False
    # AND the day's spend now holds those figures, settled into one number for the job
    doc = _doc(s3)
    assert doc["entries"][job_id] == pytest.approx(total)
    assert budget.spent(doc) == pytest.approx(total)
    assert "budget" not in body  # the bookkeeping stays internal


def test_a_replayed_worker_does_not_correct_twice(
    s3, set_env, generate_job, run_worker, get_status
):
    set_env(DAILY_BUDGET_USD="10", **model_env(["fake/priced-3"]))
    _, payload = generate_job()
    run_worker(payload)
    run_worker(payload)  # Lambda may deliver an asynchronous event twice
    assert budget.spent(_doc(s3)) == pytest.approx(0.03)


def test_a_job_that_could_not_start_gives_its_budget_back(s3, set_env, event, call, monkeypatch):
    set_env(DAILY_BUDGET_USD=str(PER_JOB))

    def broken(payload: Any) -> None:
        raise dispatch.DispatchError("Lambda is down")

    monkeypatch.setattr(dispatch, "send", broken)
    assert call(event("httpApiV2_generate.json"))[0] == 503
    assert budget.spent(_doc(s3)) == 0
    # THEN the whole budget is still there for the next job
    monkeypatch.setattr(dispatch, "send", lambda payload: None)
    assert call(event("httpApiV2_generate.json"))[0] == 202


def test_no_budget_writes_nothing(s3, set_env, event, call, dispatched):
    set_env(DAILY_BUDGET_USD="0")
    assert call(event("httpApiV2_generate.json"))[0] == 202
    assert "Contents" not in s3.list_objects_v2(Bucket=BUCKET, Prefix="budget/")


def test_enhance_counts_against_the_budget(s3, set_env, event, call, fake_providers):
    set_env(DAILY_BUDGET_USD=str(2 * CHAT_CALL_USD))
    statuses = [call(event("httpApiV2_enhance.json"))[0] for _ in range(3)]
    assert statuses == [200, 200, 429]
    assert len(fake_providers.enhance_calls) == 2


def test_a_bad_budget_is_a_config_error(s3, set_env, event, call):
    set_env(DAILY_BUDGET_USD="lots")
    status, body, _ = call(event("httpApiV2_generate.json"))
    assert (status, body["code"]) == (503, "CONFIG_ERROR")
    assert "DAILY_BUDGET_USD" in body["error"]


def test_a_new_utc_day_starts_with_the_whole_budget(s3):
    evening = datetime(2026, 12, 1, 23, 59, 30, tzinfo=UTC).timestamp()
    budget.reserve(s3, BUCKET, 1.0, "job-a", {"1": 1.0}, evening)
    with pytest.raises(budget.BudgetExhausted) as refused:
        budget.reserve(s3, BUCKET, 1.0, "job-b", {"1": 0.5}, evening)
    assert refused.value.headers["Retry-After"] == "30"
    assert budget.reserve(s3, BUCKET, 1.0, "job-b", {"1": 0.5}, evening + 31) is not None


def test_a_late_correction_lands_on_the_day_it_was_reserved(s3):
    evening = datetime(2026, 12, 1, 23, 59, 0, tzinfo=UTC).timestamp()
    held = budget.reserve(s3, BUCKET, 1.0, "job-a", {"1": 0.5, "2": 0.5}, evening)
    assert held is not None and held.day == "2026-12-01"
    budget.settle(s3, BUCKET, held.day, "job-a", {"1": 0.1})
    budget.settle(s3, BUCKET, held.day, "job-a", {"1": 0.9})  # a replay changes nothing
    budget.settle(s3, BUCKET, held.day, "job-a", {"2": 0.2})
    doc = json.loads(s3.get_object(Bucket=BUCKET, Key="budget/2026-12-01.json")["Body"].read())
    assert doc["entries"]["job-a"] == pytest.approx(0.3)


@pytest.mark.parametrize(
    ("code", "usd", "measured"),
    [
        ("AUTH", 0.0, True),
        ("MISSING_KEY", 0.0, True),
        ("RATE_LIMITED", 0.0, True),
        ("MODERATED", 0.04, False),
        ("TIMEOUT", 0.04, False),
        (None, 0.04, False),
    ],
)
def test_a_failed_model_costs_nothing_only_when_refused_at_the_door(code, usd, measured):
    assert costs.of_error(code, 0.04) == {"usd": usd, "measured": measured}
