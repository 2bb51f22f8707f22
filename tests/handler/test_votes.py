"""Blind votes, the leaderboard and the export, through the API against moto."""

from __future__ import annotations

import csv
import io
import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from tests.handler.support import BUCKET, model_env

FOUR = [
    "fake/openai:gpt-image-2",
    "fake/bfl:flux-pro-1.1",
    "fake/recraft:recraftv3",
    "fake/moderated",
]


@pytest.fixture
def api(event, call):
    """Call any route: (status, body, headers); body parsed as JSON unless it is text."""

    def send(method: str, path: str, body: Any = None, query: dict | None = None, ip=None):
        ev = event("httpApiV2_generate.json", body=body if body is not None else {}, ip=ip)
        ev["rawPath"] = ev["requestContext"]["http"]["path"] = path
        ev["requestContext"]["http"]["method"] = method
        ev["queryStringParameters"] = query
        if method == "GET":
            ev["body"] = None
        import lambda_function

        from tests.handler.support import Context

        out = lambda_function.lambda_handler(ev, Context())
        text = out["body"]
        is_json = out["headers"]["Content-Type"] == "application/json"
        return out["statusCode"], (json.loads(text) if is_json and text else text), out["headers"]

    return send


@pytest.fixture
def finished(s3, set_env, generate_job, run_worker):
    """A factory of finished jobs over FOUR (slot 4 always fails)."""
    set_env(**model_env(FOUR))

    def make(prompt: str = "a lighthouse") -> str:
        job_id, payload = generate_job(prompt=prompt)
        run_worker(payload)
        return job_id

    return make


def test_a_best_pick_is_stored_once_and_reveals_the_model(finished, api, s3):
    job_id = finished()
    status, vote, _ = api("POST", f"/jobs/{job_id}/vote", {"best": 2})
    assert status == 201, vote
    assert vote["kind"] == "best" and vote["ranking"] == [2]
    assert vote["revealed"] == [{"index": 2, "model": "fake/bfl:flux-pro-1.1"}]
    assert [c["identity"] for c in vote["candidates"]] == [
        "openai/gpt-image-2",
        "bfl/flux-pro-1.1",
        "recraft/recraftv3",
    ]  # the failed model is no candidate
    stored = json.loads(s3.get_object(Bucket=BUCKET, Key=f"votes/{job_id}.json")["Body"].read())
    assert stored["ranking"] == [2]
    # AND a second vote on the same job is refused, the first one kept
    status, again, _ = api("POST", f"/jobs/{job_id}/vote", {"best": 1})
    assert (status, again["code"]) == (409, "ALREADY_VOTED")
    assert api("GET", f"/jobs/{job_id}/vote")[1]["ranking"] == [2]


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"best": 4}, 400, "INVALID_VOTE"),  # slot 4 failed: no image to pick
        ({"best": 9}, 400, "INVALID_VOTE"),
        ({"ranking": [1, 1]}, 400, "INVALID_VOTE"),
        ({"ranking": []}, 400, "INVALID_VOTE"),
        ({"ranking": "1,2"}, 400, "INVALID_VOTE"),
        ({"best": 1, "ranking": [1]}, 400, "INVALID_VOTE"),
        ({}, 400, "INVALID_VOTE"),
        ({"best": True}, 400, "INVALID_VOTE"),
    ],
)
def test_a_bad_vote_is_a_400_sentence_and_stores_nothing(finished, api, s3, body, status, code):
    job_id = finished()
    got, answer, _ = api("POST", f"/jobs/{job_id}/vote", body)
    assert (got, answer["code"]) == (status, code), answer
    assert answer["error"].endswith(".")
    assert "Contents" not in s3.list_objects_v2(Bucket=BUCKET, Prefix="votes/")


def test_votes_need_a_finished_job_with_two_images(s3, set_env, generate_job, run_worker, api):
    job_id, _ = generate_job()  # not run yet
    status, body, _ = api("POST", f"/jobs/{job_id}/vote", {"best": 1})
    assert (status, body["code"]) == (409, "JOB_RUNNING")
    set_env(**model_env(["fake/ok-one", "fake/moderated"]))
    lonely, payload = generate_job()
    run_worker(payload)
    status, body, _ = api("POST", f"/jobs/{lonely}/vote", {"best": 1})
    assert (status, body["code"]) == (409, "NOTHING_TO_COMPARE")
    missing = "00000000-0000-4000-8000-000000000000"
    assert api("POST", f"/jobs/{missing}/vote", {"best": 1})[1]["code"] == "JOB_NOT_FOUND"
    assert api("GET", f"/jobs/{missing}/vote")[1]["code"] == "VOTE_NOT_FOUND"


def _together(n: int, one) -> list[Any]:
    start = threading.Barrier(n)

    def run(i: int) -> Any:
        start.wait(10)
        return one(i)

    with ThreadPoolExecutor(max_workers=n) as pool:
        return list(pool.map(run, range(n)))


def test_twenty_simultaneous_voters_on_twenty_jobs_are_all_stored(
    finished, api, s3, slow_s3_writes
):
    job_ids = [finished(f"prompt {n}") for n in range(20)]
    codes = _together(20, lambda i: api("POST", f"/jobs/{job_ids[i]}/vote", {"best": 1 + i % 3})[0])
    assert codes == [201] * 20
    _, board, _ = api("GET", "/leaderboard")
    assert board["totalVotes"] == 20
    assert sum(m["wins"] for m in board["models"]) == 20


def test_twenty_simultaneous_voters_on_one_job_store_exactly_one(finished, api, s3, slow_s3_writes):
    job_id = finished()
    answers = _together(20, lambda i: api("POST", f"/jobs/{job_id}/vote", {"best": 1 + i % 3}))
    codes = sorted(status for status, _, _ in answers)
    assert codes == [201] + [409] * 19
    (winner,) = [body for status, body, _ in answers if status == 201]
    assert api("GET", f"/jobs/{job_id}/vote")[1]["ranking"] == winner["ranking"]


def test_leaderboard_ranks_by_bradley_terry_with_stats(finished, api):
    # GIVEN three votes: bfl best twice, then recraft > openai > (unranked) bfl
    for body in ({"best": 2}, {"best": 2}, {"ranking": [3, 1]}):
        assert api("POST", f"/jobs/{finished()}/vote", body)[0] == 201
    status, board, _ = api("GET", "/leaderboard")
    assert status == 200 and board["method"] == "bradley-terry" and board["totalVotes"] == 3
    rows = {m["model"]: m for m in board["models"]}
    assert next(m["model"] for m in board["models"]) == "bfl/flux-pro-1.1"
    bfl = rows["bfl/flux-pro-1.1"]
    assert (bfl["votes"], bfl["wins"], bfl["pairwiseWins"], bfl["pairwiseLosses"]) == (3, 2, 4, 2)
    assert rows["openai/gpt-image-2"]["pairwiseLosses"] == 3
    for row in board["models"]:
        low, high = row["ci95"]
        assert low <= row["rating"] <= high
        # every result now carries its cost (the price table's estimate here)
        assert row["medianLatencySeconds"] is not None and row["medianCostUsd"] is not None


def test_leaderboard_period_filter_and_strict_parameters(finished, api):
    assert api("POST", f"/jobs/{finished()}/vote", {"best": 1})[0] == 201
    assert api("GET", "/leaderboard", query={"days": "1"})[1]["totalVotes"] == 1
    assert api("GET", "/leaderboard", query={"since": "2999-01-01"})[1]["totalVotes"] == 0
    assert api("GET", "/leaderboard", query={"since": "2000-01-01T00:00:00Z"})[1]["totalVotes"] == 1
    for bad in ({"days": "²"}, {"days": "0"}, {"days": "1.5"}, {"since": "yesterday"},
                {"since": "2026-13-01"}, {"days": "1", "since": "2026-01-01"}):  # fmt: skip
        status, body, _ = api("GET", "/leaderboard", query=bad)
        assert (status, body["code"]) == (400, "INVALID_PARAMETER"), bad


def test_export_as_json_and_csv(finished, api):
    job_id = finished("=HYPERLINK(evil)")
    assert api("POST", f"/jobs/{job_id}/vote", {"ranking": [3, 1]})[0] == 201
    status, exported, headers = api("GET", "/votes")
    assert status == 200 and [v["jobId"] for v in exported["votes"]] == [job_id]
    status, text, headers = api("GET", "/votes", query={"format": "csv"})
    assert status == 200 and headers["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [(r["slot"], r["rank"], r["identity"]) for r in rows] == [
        ("1", "2", "openai/gpt-image-2"),
        ("2", "", "bfl/flux-pro-1.1"),
        ("3", "1", "recraft/recraftv3"),
    ]
    assert rows[0]["prompt"] == "'=HYPERLINK(evil)"  # never a live formula
    assert api("GET", "/votes", query={"format": "xml"})[0] == 400


def test_arena_routes_have_a_per_ip_limit(finished, api, monkeypatch):
    from pixelprompt import ratelimit

    monkeypatch.setattr(ratelimit, "ARENA_PER_IP_PER_HOUR", 2)
    assert api("GET", "/leaderboard", ip="198.51.100.7")[0] == 200
    assert api("GET", "/leaderboard", ip="198.51.100.7")[0] == 200
    status, _body, headers = api("GET", "/leaderboard", ip="198.51.100.7")
    assert status == 429 and int(headers["Retry-After"]) > 0
    assert api("GET", "/leaderboard", ip="198.51.100.8")[0] == 200


def test_past_the_read_cap_the_newest_votes_are_read_and_truncation_said(
    finished, api, monkeypatch
):
    from pixelprompt import votes

    monkeypatch.setattr(votes, "MAX_VOTES_READ", 2)
    job_ids = [finished(f"prompt {n}") for n in range(3)]
    assert api("POST", f"/jobs/{job_ids[0]}/vote", {"best": 1})[0] == 201
    time.sleep(1.1)  # S3's LastModified has one-second resolution: the first vote is older
    for job_id in job_ids[1:]:
        assert api("POST", f"/jobs/{job_id}/vote", {"best": 1})[0] == 201
    _, board, _ = api("GET", "/leaderboard")
    assert board["truncated"] is True and board["totalVotes"] == 2
    _, exported, _ = api("GET", "/votes")
    assert [v["jobId"] for v in exported["votes"]] == job_ids[1:]
