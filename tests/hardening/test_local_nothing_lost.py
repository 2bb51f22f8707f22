"""Nothing lost, nothing stuck -- on the real local run (`deploy.py --local`, HTTP only).

- S3 refuses the job record's writes while the models run: every attempt and the DLQ consumer
  fail to write it. Once the refusal is lifted, /status reads `completed` with 9/9 images and
  no provider is called again.
- The worker is killed on every attempt: the DLQ consumer ends the job (`partial`) within 10 s.
- An execution environment is killed (SIGKILL) inside /generate, after the record is written or
  before: no job stays pending past its dispatch deadline and the counters hold exactly the
  admitted requests.
- A provider echoing the key in every encoding: no form of the canary reaches a log, a record
  or an answer.
The function keeps its deployed 900 s timeout: a worker's deadline is ~310 s after it starts,
so a job that ends within these tests' seconds ended by the path under test, not by its deadline.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import signal
import threading
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest

from local.driver import TERMINAL, LocalStack, Reply, local_stack, parameters
from local.s3proxy import Hold, ThrottlingS3

pytestmark = pytest.mark.e2e

CANARY = "sk-canary+/=NothingLost0123456789"
MODELS = [
    ("openai/gpt-image-2", CANARY),
    ("bfl/flux-pro-1.1", "bfl-nothing-lost"),
    ("stability/sd3.5-large", "sk-nothing-lost-stability"),
    ("recraft/recraftv3", "recraft-nothing-lost"),
    ("google/gemini-3.1-flash-image", "gemini-nothing-lost"),
    ("bedrock/stability.stable-image-core-v1:1", ""),
    ("openai/gpt-image-2", CANARY),
    ("recraft/recraftv3", "recraft-nothing-lost"),
    ("stability/sd3.5-large", "sk-nothing-lost-stability"),
]
DISPATCH_DEADLINE_S = 10  # pixelprompt.jobs.DISPATCH_SECONDS
DLQ_SENT = "sent to dead-letter queue"


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    with local_stack(parameters(MODELS), tmp_path_factory.mktemp("nothing-lost")) as running:
        running.control("DELETE", "/_control/faults")
        yield running


def bucket(stack: LocalStack) -> str:
    return stack.outputs["S3BucketName"]


def s3_json(stack: LocalStack, key: str) -> Any:
    body = stack.client("s3").get_object(Bucket=bucket(stack), Key=key)["Body"].read()
    return json.loads(body)


def record(stack: LocalStack, job_id: str) -> Any:
    return s3_json(stack, f"jobs/{job_id}/status.json")


def provider_calls(stack: LocalStack) -> int:
    return len(stack.control("GET", "/_control/requests").json()["requests"])


def until(what: str, check: Any, within_s: float, every_s: float = 0.2) -> Any:
    """Poll `check()` until it returns something truthy (bounded)."""
    give_up = time.monotonic() + within_s
    while time.monotonic() < give_up:
        value = check()
        if value:
            return value
        time.sleep(every_s)
    raise AssertionError(f"not within {within_s:g}s: {what}")


def status(stack: LocalStack, job_id: str) -> Any:
    reply = stack.call("GET", f"/status/{job_id}")
    return reply.json() if reply.status == 200 else {"status": f"HTTP {reply.status}"}


def start_job(stack: LocalStack, prompt: str, source: str = "127.0.0.1") -> str:
    reply = stack.call("POST", "/generate", {"prompt": prompt}, source=source)
    assert reply.status == 202, reply
    return str(reply.json()["jobId"])


def kill_environments(stack: LocalStack) -> None:
    for pid in stack.worker_pids():
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)  # as an out-of-memory kill would


# ---- the record heals from what was stored ---------------------------------------------------


def test_a_record_s3_refused_heals_to_completed_without_new_generation(stack: LocalStack) -> None:
    s3 = stack.client("s3")
    stack.control("POST", "/_control/latency", {"seconds": 4})
    original = s3.get_bucket_policy(Bucket=bucket(stack))["Policy"]
    deny = {
        "Sid": "TestDenyJobRecordWrites",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:PutObject",
        "Resource": f"arn:aws:s3:::{bucket(stack)}/jobs/*/status.json",
    }
    dead_letters = stack.everything().count(DLQ_SENT)
    try:
        # GIVEN a job whose worker has started
        job_id = start_job(stack, "a lighthouse in a storm, oil painting")
        until("the worker starts", lambda: status(stack, job_id).get("startedAt"), 30)
        # WHEN S3 refuses every write of its record while the models run
        policy = json.loads(original)
        policy["Statement"].append(deny)
        s3.put_bucket_policy(Bucket=bucket(stack), Policy=json.dumps(policy))
        # THEN the worker fails (Lambda does not retry it) and the event is dead-lettered
        until(
            "the worker's event reaches the DLQ",
            lambda: stack.everything().count(DLQ_SENT) > dead_letters,
            90,
            every_s=0.5,
        )
        assert record(stack, job_id)["status"] == "in_progress"
        stored = s3.list_objects_v2(Bucket=bucket(stack), Prefix=f"jobs/{job_id}/results/")
        assert stored["KeyCount"] == 9
    finally:
        s3.put_bucket_policy(Bucket=bucket(stack), Policy=original)  # the refusal is lifted
        stack.control("POST", "/_control/latency", {"seconds": 0.05})
    calls = provider_calls(stack)

    # AND once the refusal is lifted, /status reads completed with every image
    body = until(
        "the job reads completed",
        lambda: (b := status(stack, job_id))["status"] in TERMINAL and b,
        30,
        every_s=0.5,
    )
    assert body["status"] == "completed", body
    assert [r["status"] for r in body["results"]] == ["completed"] * 9
    for result in body["results"]:
        assert result["imageUrl"], result
        s3.head_object(Bucket=bucket(stack), Key=result["imageKey"])
    assert record(stack, job_id)["status"] == "completed"  # written back
    assert provider_calls(stack) == calls  # no new generation


# ---- dead workers end their jobs quickly -----------------------------------------------------


def test_a_dead_lettered_job_reads_partial_within_ten_seconds(stack: LocalStack) -> None:
    stack.control("POST", "/_control/latency", {"seconds": 0.05})
    stack.control("POST", "/_control/faults", {"provider": "bfl", "mode": "hang"})
    try:
        job_id = start_job(stack, "a lantern in the fog")

        # WHEN the worker is killed mid-job, once the eight other models stored their results
        # (Lambda does not retry the worker's event: it goes to the DLQ at once)
        def others_done() -> bool:
            body = status(stack, job_id)
            others = [r for r in body.get("results", []) if not r["model"].startswith("bfl/")]
            return bool(others) and all(r["status"] == "completed" for r in others)

        until("the eight other models finish", others_done, 60, every_s=0.1)
        kill_environments(stack)
        last_kill = time.monotonic()
        # THEN within 10 s of the kill (the DLQ receives the event after it) the job is over
        body = until(
            "the dead-lettered job is over",
            lambda: (b := status(stack, job_id))["status"] in TERMINAL and b,
            10,
            every_s=0.25,
        )
    finally:
        stack.control("DELETE", "/_control/faults")
    assert time.monotonic() - last_kill <= 10.5
    assert body["status"] == "partial", body
    for result in body["results"]:
        if result["model"].startswith("bfl/"):
            assert (result["status"], result["errorCode"]) == ("error", "WORKER_STOPPED")
        else:
            assert result["status"] == "completed" and result["imageUrl"], result
    assert time.time() < body["deadline"]  # ended by the dead letter, not by its deadline


# ---- no orphans ------------------------------------------------------------------------------


def ip_counter_key(stack: LocalStack, ip: str) -> str:
    """The address's counter, named as the function names it: HMAC under the stack's salt."""
    from pixelprompt.ratelimit import ip_digest  # the function's own naming

    name = stack.outputs["FunctionName"]
    env = stack.client("lambda").get_function_configuration(FunctionName=name)["Environment"]
    arn = env["Variables"]["PROVIDER_SECRET_ARN"]
    text = stack.client("secretsmanager").get_secret_value(SecretId=arn)["SecretString"]
    return f"ratelimit/ip/{ip_digest(ip, json.loads(text)['rateLimitSalt'])}.json"


def tokens(stack: LocalStack, key: str) -> list[str]:
    try:
        return [h[1] for h in s3_json(stack, key)["hits"]]
    except stack.client("s3").exceptions.NoSuchKey:
        return []


def set_s3_endpoint(stack: LocalStack, url: str | None) -> None:
    lam = stack.client("lambda")
    name = stack.outputs["FunctionName"]
    env = lam.get_function_configuration(FunctionName=name)["Environment"]["Variables"]
    env = {k: v for k, v in env.items() if k != "AWS_ENDPOINT_URL_S3"}
    if url:
        env["AWS_ENDPOINT_URL_S3"] = url
    lam.update_function_configuration(FunctionName=name, Environment={"Variables": env})


def _killed_at_the_records_put(stack: LocalStack, when: str, client: str) -> str:
    """A /generate from `client` killed at its job record's creating PUT, `when` = "after" S3
    stored it or "before"; returns the job id of the provisional slot the dead request took."""
    answers: list[Reply] = []
    with ThrottlingS3(stack.outputs["LocalAwsEndpoint"], every=0) as front:
        set_s3_endpoint(stack, front.url)
        try:
            hold = Hold("PUT", r"/jobs/[0-9a-f-]{36}/status\.json", when=when)
            front.holds.append(hold)
            caller = threading.Thread(
                target=lambda: answers.append(
                    stack.call("POST", "/generate", {"prompt": "doomed"}, source=client)
                ),
                daemon=True,
            )
            caller.start()
            assert hold.reached.wait(60), "the record's PUT never came"
            kill_environments(stack)  # right there, as an out-of-memory kill would
            hold.release.set()
            caller.join(60)
        finally:
            set_s3_endpoint(stack, None)
    assert answers and answers[0].status >= 500, answers  # the client saw its request fail
    orphans = tokens(stack, ip_counter_key(stack, client))
    assert len(orphans) == 1, orphans  # the provisional slot the dead request took
    return orphans[0]


def test_kill_during_generate_leaves_no_orphan_and_an_exact_counter(stack: LocalStack) -> None:
    # GIVEN two requests killed inside /generate: one after its job record was written, one
    # before (both in one test, so the dispatch deadline is waited for once)
    stack.control("POST", "/_control/latency", {"seconds": 0.05})
    clients = {"after": "127.0.0.21", "before": "127.0.0.22"}
    orphans = {when: _killed_at_the_records_put(stack, when, ip) for when, ip in clients.items()}

    # WHEN, past the dispatch deadline, each client is admitted again
    time.sleep(DISPATCH_DEADLINE_S + 1)  # the deadline is a clock time; nothing to wait on
    admitted = {
        when: start_job(stack, "after the crash", source=ip) for when, ip in clients.items()
    }

    # THEN each client's counter holds only its new admission, and neither orphan is counted
    # globally (an admission may settle another client's due orphan there too)
    for when, ip in clients.items():
        assert tokens(stack, ip_counter_key(stack, ip)) == [admitted[when]]
        assert orphans[when] not in tokens(stack, "ratelimit/global.json"), when
        assert admitted[when] in tokens(stack, "ratelimit/global.json")
    # AND no job is pending past its dispatch deadline: the orphan's record is failed (or absent)
    s3 = stack.client("s3")
    written = s3_json(stack, f"jobs/{orphans['after']}/status.json")
    assert written["status"] == "failed", written
    assert {r["errorCode"] for r in written["results"]} == {"NOT_STARTED"}
    never = f"jobs/{orphans['before']}/status.json"
    assert s3.list_objects_v2(Bucket=bucket(stack), Prefix=never)["KeyCount"] == 0
    now = time.time()
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=bucket(stack), Prefix="jobs/")
    for page in pages:
        for item in page.get("Contents", []):
            if item["Key"].endswith("status.json"):
                doc = s3_json(stack, item["Key"])
                stuck = doc["status"] == "pending" and not doc.get("dispatchedAt")
                assert not (stuck and now > doc["dispatchBy"]), doc
    for job in admitted.values():
        stack.wait_terminal(job, within_s=60)


# ---- no form of a key reaches a log ----------------------------------------------------------


def test_a_provider_echoing_the_key_leaks_no_form_of_it(stack: LocalStack) -> None:
    stack.control("POST", "/_control/latency", {"seconds": 0.05})
    stack.control("POST", "/_control/faults", {"provider": "openai", "mode": "echo_key"})
    try:
        job_id = start_job(stack, "a canary in a coal mine")
        body = stack.wait_terminal(job_id, within_s=60)
    finally:
        stack.control("DELETE", "/_control/faults")
    echoed = [r for r in body["results"] if r["model"].startswith("openai/")]
    assert {r["status"] for r in echoed} == {"error"}
    assert all("you sent" in r["error"] and "***" in r["error"] for r in echoed), echoed
    forms = {
        "exact": CANARY,
        "url-encoded": quote(CANARY, safe=""),
        "base64": base64.b64encode(CANARY.encode()).decode().rstrip("="),
        "JSON-escaped": json.dumps(CANARY)[1:-1],
    }
    # Everything: the run's output (the function's log lines included), every HTTP answer,
    # the function's log group in the local AWS, and the job's record and result objects.
    logs = stack.client("logs")
    group = f"/aws/lambda/{stack.outputs['FunctionName']}"
    shipped = "\n".join(
        e["message"]
        for page in logs.get_paginator("filter_log_events").paginate(logGroupName=group)
        for e in page.get("events", [])
    )
    stored = json.dumps(record(stack, job_id))
    for index in (1, 7):
        stored += json.dumps(s3_json(stack, f"jobs/{job_id}/results/{index:02d}.json"))
    everything = stack.everything() + shipped + stored
    assert "you sent" in shipped  # the error did reach the logs, scrubbed
    leaked = [name for name, form in forms.items() if form in everything]
    assert leaked == [], leaked


# ---- the filter sees what the model sees -----------------------------------------------------


@pytest.mark.parametrize(
    "prompt",
    ["be\u200bheading", "be\u00adheading", "b\u0435heading"],
    ids=["zero width space", "soft hyphen", "Cyrillic ie"],
)
def test_hidden_forms_of_a_blocked_word_are_refused(stack: LocalStack, prompt: str) -> None:
    reply = stack.call("POST", "/generate", {"prompt": prompt}, source="127.0.0.31")
    assert reply.status == 400, reply
    assert reply.json()["code"] == "CONTENT_BLOCKED"
