"""The real local run when providers misbehave and when the worker dies mid-job.

One `deploy.py --local` with six models, one per provider. The deployed function's timeout is
cut to 30 s (through the local AWS, as a redeploy would), so a job's budget is 10 s and its
deadline 20 s after it starts: a hung provider is cut off quickly and a dead worker's job
expires within the test.
"""

from __future__ import annotations

import json
import os
import signal
import time
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest

from local.driver import LocalStack, local_stack, parameters

pytestmark = pytest.mark.e2e

MODELS = [
    ("openai/gpt-image-2", "sk-faults-openai"),
    ("bfl/flux-pro-1.1", "bfl-faults"),
    ("stability/sd3.5-large", "sk-faults-stability"),
    ("recraft/recraftv3", "recraft-faults"),
    ("google/gemini-3.1-flash-image", "gemini-faults"),
    ("bedrock/stability.stable-image-core-v1:1", ""),
]
FUNCTION_TIMEOUT_S = 30
# provider -> (simulator fault, per-model error codes that describe it)
FAULTS: dict[str, tuple[dict[str, Any], set[str]]] = {
    "openai": ({"mode": "429", "retry_after": 1}, {"RATE_LIMITED"}),
    "bfl": ({"mode": "hang"}, {"TIMEOUT"}),
    "stability": ({"mode": "500"}, {"UPSTREAM"}),
    "recraft": ({"mode": "malformed"}, {"BAD_RESPONSE", "BAD_IMAGE"}),
    "google": ({"mode": "moderation"}, {"MODERATED"}),
}


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    with local_stack(parameters(MODELS), tmp_path_factory.mktemp("faults")) as running:
        running.control("POST", "/_control/latency", {"seconds": 0.05})
        config = running.configure_function(timeout=FUNCTION_TIMEOUT_S)
        assert config["Timeout"] == FUNCTION_TIMEOUT_S
        yield running
        # Its stop is checked after every test of the module, whatever their order: SIGINT
        # ends the run with exit 0 and leaves no execution environment behind.
        running.call("GET", "/gallery/list")  # at least one environment to stop
        running.stop_and_check()


def epoch(iso: str) -> float:
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()


def by_provider(record: dict[str, Any]) -> dict[str, dict[str, Any]]:
    names = {name: name.split("/", 1)[0] for name, _ in MODELS}
    return {names[r["model"]]: r for r in record["results"]}


def test_misbehaving_providers_end_in_per_model_errors_within_the_deadline(
    stack: LocalStack,
) -> None:
    stack.control("DELETE", "/_control/faults")
    for provider, (fault, _) in FAULTS.items():
        stack.control("POST", "/_control/faults", {"provider": provider, **fault})
    try:
        reply = stack.call("POST", "/generate", {"prompt": "a storm over the lighthouse"})
        assert reply.status == 202, reply
        record = stack.wait_terminal(reply.json()["jobId"], within_s=60)
    finally:
        stack.control("DELETE", "/_control/faults")

    assert record["status"] == "partial", record
    results = by_provider(record)
    assert results["bedrock"]["status"] == "completed" and results["bedrock"]["imageKey"]
    for provider, (_, codes) in FAULTS.items():
        result = results[provider]
        assert result["status"] == "error", result
        assert result.get("errorCode") in codes, result
        assert result["error"] and "Traceback" not in result["error"], result
    assert "moderat" in results["google"]["error"].lower(), results["google"]
    # Finished within its own deadline, not by /status giving up on it.
    assert epoch(record["updatedAt"]) <= record["deadline"], record
    assert "stopped" not in " ".join(r.get("error") or "" for r in record["results"])


def test_a_killed_worker_is_ended_by_the_dlq_consumer(
    stack: LocalStack,
) -> None:
    # GIVEN a job whose BFL model hangs while the five others finish
    stack.control("DELETE", "/_control/faults")
    stack.control("DELETE", "/_control/requests")
    stack.control("POST", "/_control/faults", {"provider": "bfl", "mode": "hang"})
    sqs = stack.client("sqs")
    dlq = stack.outputs["DeadLetterQueueUrl"]
    reply = stack.call("POST", "/generate", {"prompt": "a lantern in the fog"})
    assert reply.status == 202, reply
    job_id = reply.json()["jobId"]

    # WHEN the worker is killed mid-job, after BFL was sent its (paid) submission
    started = None
    give_up = time.monotonic() + 60
    while started is None and time.monotonic() < give_up:
        record = stack.call("GET", f"/status/{job_id}").json()
        assert record["status"] not in {"completed", "partial", "failed"}, record
        others_done = all(
            r["status"] == "completed" for p, r in by_provider(record).items() if p != "bfl"
        )
        if record.get("startedAt") and others_done:
            for pid in stack.worker_pids():
                os.kill(pid, signal.SIGKILL)  # as an out-of-memory kill would
            started = record["startedAt"]
        time.sleep(0.1)
    stack.control("DELETE", "/_control/faults")
    assert started is not None, "the job never got to the point of the kill"

    # THEN the failed invocation went to the dead-letter queue, whose consumer (the same
    # function, through the event source mapping) ended the job, keeping what finished
    record = stack.wait_terminal(job_id, within_s=15)
    assert record["status"] == "partial" and record.get("updatedAt"), record
    results = by_provider(record)
    assert results["bfl"]["status"] == "error" and "worker failed" in results["bfl"]["error"]
    assert results["bfl"]["errorCode"] == "WORKER_STOPPED"
    assert all(r["status"] == "completed" for p, r in results.items() if p != "bfl"), results
    assert epoch(record["updatedAt"]) < record["deadline"], "ended by its deadline, not the DLQ"
    assert "sent to dead-letter queue" in stack.everything()
    ended = consumer_lines(stack, job_id)
    assert ended and ended[-1]["lambdaError"], ended  # Lambda's ErrorMessage attribute came along
    assert (
        sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["All"])["Attributes"][
            "ApproximateNumberOfMessages"
        ]
        == "0"
    )
    # AND the job ran once (Lambda does not retry the event) and BFL was submitted to once
    assert record["startedAt"] == started, record
    sent = stack.control("GET", "/_control/requests").json()["requests"]
    submissions = [r for r in sent if r["method"] == "POST" and r["provider"] == "bfl"]
    assert len(submissions) == 1, submissions


def consumer_lines(stack: LocalStack, job_id: str) -> list[dict[str, Any]]:
    """The DLQ consumer's log records for the job, from the function's log group (bounded)."""
    group = f"/aws/lambda/{stack.outputs['FunctionName']}"
    paginator = stack.client("logs").get_paginator("filter_log_events")
    found: list[dict[str, Any]] = []
    for _ in range(20):  # the log shipper sends lines every fraction of a second
        pages = paginator.paginate(logGroupName=group)
        lines = [e["message"] for page in pages for e in page.get("events", [])]
        found = [
            json.loads(line)
            for line in lines
            if line.startswith("{") and "dead-lettered job ended" in line and job_id in line
        ]
        if found:
            break
        time.sleep(0.5)
    return found
