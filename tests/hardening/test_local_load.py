"""The real local run under load and under S3 throttling: nothing lost, limits exact.

One `deploy.py --local` for the module. 200 simultaneous POST /generate from 20 loopback
addresses (the API emulator takes the client IP from the TCP peer), at IPRateLimit 4 and
GlobalRateLimit 50: the per-IP limit passes at most 80, the global one admits exactly 50. Every
admitted job is polled to its end; every model's result and image must be in S3. Then the
function's S3 traffic goes through a front that answers SlowDown/InternalError/503 to half of
the first attempts: botocore's standard retries must carry every job through.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from local.driver import LocalStack, Reply, local_stack, parameters
from local.s3proxy import ThrottlingS3

pytestmark = pytest.mark.e2e

CLIENTS = [f"127.0.0.{n}" for n in range(11, 31)]  # 20 distinct client IPs
PER_CLIENT = 10  # 200 requests
IP_LIMIT, GLOBAL_LIMIT = 4, 50
WHITELISTED = "127.0.0.2"  # bypasses both limits (the throttling part runs after the load)
MODELS = [("openai/gpt-image-2", "sk-load-openai"), ("stability/sd3.5-large", "sk-load-stab")]
JOB_WITHIN_S = 120.0


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    params = parameters(MODELS, ip_limit=IP_LIMIT, global_limit=GLOBAL_LIMIT, whitelist=WHITELISTED)
    with local_stack(params, tmp_path_factory.mktemp("load")) as running:
        running.control("POST", "/_control/latency", {"seconds": 0.05})
        running.control("DELETE", "/_control/faults")
        yield running
        # Its stop is checked after every test of the module, whatever their order: SIGINT
        # ends the run with exit 0 and leaves no execution environment behind.
        running.call("GET", "/gallery/list")  # at least one environment to stop
        running.stop_and_check()


def assert_job_complete(stack: LocalStack, record: dict[str, Any]) -> list[str]:
    """The job finished with every model's image stored; its image keys."""
    assert record["status"] == "completed", record
    assert record["completedModels"] == record["totalModels"] == len(MODELS), record
    assert sorted(r["index"] for r in record["results"]) == list(range(1, len(MODELS) + 1))
    s3, bucket = stack.client("s3"), stack.outputs["S3BucketName"]
    listed = s3.list_objects_v2(Bucket=bucket, Prefix=f"jobs/{record['jobId']}/results/")
    assert len(listed.get("Contents", [])) == len(MODELS), "a model's own result is missing"
    keys = []
    for result in record["results"]:
        assert result["status"] == "completed" and result["imageKey"], result
        head = s3.head_object(Bucket=bucket, Key=result["imageKey"])
        assert head["ContentLength"] > 0 and head["ContentType"].startswith("image/")
        keys.append(result["imageKey"])
    return keys


def test_200_concurrent_generates_admit_exactly_the_limits(stack: LocalStack) -> None:
    start = threading.Barrier(len(CLIENTS) * PER_CLIENT)

    def generate(n: int) -> tuple[str, Reply]:
        source = CLIENTS[n % len(CLIENTS)]
        start.wait(timeout=30)
        return source, stack.call("POST", "/generate", {"prompt": f"load {n}"}, source=source)

    with ThreadPoolExecutor(max_workers=len(CLIENTS) * PER_CLIENT) as pool:
        answers = list(pool.map(generate, range(len(CLIENTS) * PER_CLIENT)))

    statuses = Counter(reply.status for _, reply in answers)
    assert set(statuses) <= {202, 429}, statuses
    assert statuses[202] == GLOBAL_LIMIT, statuses
    admitted_per_ip = Counter(src for src, reply in answers if reply.status == 202)
    assert max(admitted_per_ip.values()) <= IP_LIMIT, admitted_per_ip
    for _, reply in answers:
        if reply.status == 429:
            assert int(reply.headers["retry-after"]) >= 1, reply
            assert reply.json()["code"] == "RATE_LIMITED", reply

    # Polling clients, each from its own address: every admitted job ends, nothing is missing.
    admitted = [(src, reply.json()["jobId"]) for src, reply in answers if reply.status == 202]
    with ThreadPoolExecutor(max_workers=len(admitted)) as pool:
        records = list(
            pool.map(lambda a: stack.wait_terminal(a[1], JOB_WITHIN_S, a[0], every_s=1.0), admitted)
        )
    keys = [key for record in records for key in assert_job_complete(stack, record)]
    assert len(set(keys)) == GLOBAL_LIMIT * len(MODELS)
    # The CDN serves what S3 holds (one image per model is enough to show the path).
    for result in records[0]["results"]:
        image = stack.request("GET", result["imageUrl"])
        assert image.status == 200 and image.headers["content-type"].startswith("image/")


@pytest.fixture
def own_function_environment(stack: LocalStack) -> Iterator[None]:
    """The function's environment as it was before the test, put back after it."""
    lam, name = stack.client("lambda"), stack.outputs["FunctionName"]
    before = lam.get_function_configuration(FunctionName=name)["Environment"]
    yield
    lam.update_function_configuration(FunctionName=name, Environment=before)


def test_s3_throttling_is_retried_and_nothing_is_lost(
    stack: LocalStack, own_function_environment: None
) -> None:
    with ThrottlingS3(stack.outputs["LocalAwsEndpoint"], every=2) as front:
        stack.configure_function(env={"AWS_ENDPOINT_URL_S3": front.url})
        replies = [
            stack.call("POST", "/generate", {"prompt": f"throttled {n}"}, source=WHITELISTED)
            for n in range(4)
        ]
        assert [r.status for r in replies] == [202] * 4, [r.body for r in replies]
        for reply in replies:
            record = stack.wait_terminal(reply.json()["jobId"], JOB_WITHIN_S, WHITELISTED)
            assert_job_complete(stack, record)
        assert sum(front.stats.injected.values()) >= 10, front.stats  # the faults really hit
        # The worker's last write can still be retrying after /status already reads terminal:
        # give every injected fault a bounded moment to see its retry.
        settle_by = time.monotonic() + 10
        while front.stats.retried < sum(front.stats.injected.values()):
            assert time.monotonic() < settle_by, f"a fault was never retried: {front.stats}"
            time.sleep(0.1)
