"""The arena on the real local run (`deploy.py --local`, HTTP only): a 16:9 generation in which
every result reports what was sent and received, a subset of models, retry one, cancel, a vote
and the leaderboard."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator

import pytest
from PIL import Image

from local.driver import ROOT, LocalStack, local_stack

pytestmark = pytest.mark.e2e

EXAMPLE = json.loads((ROOT / "parameters.example.json").read_text())
SUBSET = [1, 2, 3, 4, 5, 8]  # openai, bfl, bfl ultra, stability, recraft, nova canvas
RECRAFT = 5


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    with local_stack(EXAMPLE, tmp_path_factory.mktemp("arena")) as running:
        yield running
        running.stop_and_check()


def _generate(stack: LocalStack, body: dict) -> str:
    reply = stack.call("POST", "/generate", body)
    assert reply.status == 202, reply
    return reply.json()["jobId"]


def _ratio(text: str) -> float:
    width, height = (int(n) for n in text.replace(":", "x").split("x"))
    return width / height


@pytest.fixture(scope="module")
def wide_job(stack: LocalStack) -> dict:
    # Recraft refuses once (moderation), so the job has one failed model to retry.
    stack.control("DELETE", "/_control/faults")
    stack.control(
        "POST", "/_control/faults", {"provider": "recraft", "mode": "moderation", "count": 1}
    )
    job_id = _generate(
        stack,
        {
            "prompt": "a harbour at dawn, wide shot",
            "aspectRatio": "16:9",
            "seed": 42,
            "models": SUBSET,
        },
    )
    return stack.wait_terminal(job_id, within_s=90)


def test_16_9_every_result_reports_what_was_sent_and_received(stack: LocalStack, wide_job: dict):
    assert [r["index"] for r in wide_job["results"]] == SUBSET  # only the chosen models ran
    assert wide_job["status"] == "partial", wide_job
    for r in wide_job["results"]:
        assert r["sent"].get("size") or r["sent"].get("aspectRatio"), r
        if r["index"] == RECRAFT:
            assert r["status"] == "error" and r["errorCode"] == "MODERATED"
            continue
        assert r["status"] == "completed", r
        sent = r["sent"].get("size") or r["sent"]["aspectRatio"]
        got = r["received"]
        assert abs(got["width"] / got["height"] - _ratio(sent)) < 0.02, r
        # the image the CDN serves is the one measured
        served = stack.request("GET", r["url"])
        with Image.open(io.BytesIO(served.body)) as image:
            assert image.size == (got["width"], got["height"])
    by_index = {r["index"]: r for r in wide_job["results"]}
    assert by_index[2]["sent"] == {"size": "1024x576", "seed": 42}
    assert by_index[2]["received"]["seed"] == 42  # the simulated BFL echoes the seed it used
    assert by_index[3]["sent"] == {"aspectRatio": "16:9", "seed": 42}
    assert any("takes no seed" in n for n in by_index[1]["notes"])  # OpenAI says so


def test_retry_one_failed_model_into_the_same_job(stack: LocalStack, wide_job: dict):
    job_id = wide_job["jobId"]
    reply = stack.call("POST", f"/jobs/{job_id}/retry", {"model": RECRAFT})
    assert reply.status == 202 and reply.json()["attempt"] == 2, reply
    again = stack.call("POST", f"/jobs/{job_id}/retry", {"model": RECRAFT})
    assert again.status == 409, again  # exactly one retry runs
    done = stack.wait_terminal(job_id, within_s=60)
    assert done["status"] == "completed", done
    recraft = next(r for r in done["results"] if r["index"] == RECRAFT)
    assert recraft["attempt"] == 2 and recraft["earlierErrors"]
    others = {r["index"]: r["imageKey"] for r in done["results"] if r["index"] != RECRAFT}
    assert others == {
        r["index"]: r["imageKey"] for r in wide_job["results"] if r["index"] != RECRAFT
    }


def test_cancel_a_running_job(stack: LocalStack):
    stack.control("POST", "/_control/latency", {"seconds": 3})
    try:
        job_id = _generate(stack, {"prompt": "a slow sunrise", "models": [1, 2, 4]})
        reply = stack.call("POST", f"/jobs/{job_id}/cancel")
        assert reply.status == 200, reply
        body = reply.json()
        assert body["cancelled"] is True and body["status"] in ("partial", "failed")
        assert stack.call("POST", f"/jobs/{job_id}/cancel").status == 200  # idempotent
        after = stack.call("GET", f"/status/{job_id}").json()
        assert after["status"] in ("completed", "partial", "failed")
        for r in after["results"]:  # each either cancelled or (already in flight) kept
            assert r["status"] == "completed" or r["errorCode"] == "CANCELLED", r
    finally:
        stack.control("POST", "/_control/latency", {"seconds": 0})


def test_vote_then_the_leaderboard_and_export(stack: LocalStack, wide_job: dict):
    job_id = wide_job["jobId"]
    stack.wait_terminal(job_id, within_s=60)
    reply = stack.call("POST", f"/jobs/{job_id}/vote", {"ranking": [2, 4]})
    assert reply.status == 201, reply
    assert [m["model"] for m in reply.json()["revealed"]] == [
        "bfl/flux-pro-1.1",
        "stability/sd3.5-large",
    ]
    assert stack.call("POST", f"/jobs/{job_id}/vote", {"best": 1}).status == 409
    board = stack.call("GET", "/leaderboard?days=1").json()
    assert board["totalVotes"] == 1
    top = board["models"][0]
    assert top["model"] == "bfl/flux-pro-1.1" and top["wins"] == 1
    assert top["medianLatencySeconds"] is not None
    text = stack.call("GET", "/votes?format=csv").body.decode()
    rows = list(csv.DictReader(io.StringIO(text)))
    assert {r["jobId"] for r in rows} == {job_id}
    assert len(rows) == len(reply.json()["candidates"])  # one row per image shown
    assert stack.call("GET", "/leaderboard?days=%C2%B2").status == 400  # "²" is not a number
