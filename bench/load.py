"""The local API under concurrent load, and what one API call costs in S3 requests.

Starts the real `deploy.py --local` (two models, simulator latency 50 ms, the client address
whitelisted so no limit interferes), then:
  - POST /generate: CONCURRENCY clients, GENERATES requests in all -> throughput, p50/p99;
  - GET /status of those jobs: CONCURRENCY clients, STATUSES requests -> throughput, p50/p99;
  - S3 requests per call: the function's S3 traffic is sent through a counting front
    (AWS_ENDPOINT_URL_S3) and one /status and one /generate are counted by operation; so are
    the two reconcile paths of /status: a stale record with nothing new (a slow model), and a
    record that missed every result (healed from the stored result objects, then written back).
Figures are what this machine does with the local emulators, not AWS; the ratios travel better.

`python -m bench.load` prints the rows; `python -m bench` puts them in the shared table.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from local.driver import Reply

ROOT = Path(__file__).resolve().parent.parent
CONCURRENCY = 20
GENERATES = 100
STATUSES = 400
CLIENT = "127.0.0.1"  # whitelisted: no limit interferes with the throughput figures
LIMITED = "127.0.0.9"
MODELS = [("openai/gpt-image-2", "sk-bench-openai"), ("recraft/recraftv3", "recraft-bench")]


def _percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _hammer(
    call: Callable[[int], Reply], count: int
) -> tuple[float, list[float], list[int], list[Reply]]:
    """Run `call(i)` count times on CONCURRENCY threads: wall time, latencies, statuses, replies."""

    def one(i: int) -> tuple[float, int, Reply]:
        start = time.perf_counter()
        reply = call(i)
        return time.perf_counter() - start, reply.status, reply

    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=CONCURRENCY) as pool:
        results = list(pool.map(one, range(count)))
    wall = time.perf_counter() - start
    return wall, [r[0] for r in results], [r[1] for r in results], [r[2] for r in results]


def _row(name: str, count: int, wall: float, latencies: list[float]) -> tuple[str, str]:
    p50, p99 = _percentile(latencies, 0.5), _percentile(latencies, 0.99)
    return (
        f"{name} x{count}, {CONCURRENCY} concurrent clients",
        f"{count / wall:.0f} req/s; p50 {p50 * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms "
        f"(p99 = {p99 / p50:.1f}x p50)",
    )


def _s3_ops(calls: list[tuple[str, str]]) -> str:
    """'GetObject 1, PutObject 2' from (method, path?query) pairs."""
    names = []
    for method, target in calls:
        path, _, query = target.partition("?")
        if method == "GET" and ("list-type" in query or path.rstrip("/").count("/") <= 1):
            names.append("ListObjects")
        else:
            op = {"GET": "GetObject", "PUT": "PutObject", "HEAD": "HeadObject"}
            names.append(op.get(method, f"{method}Object"))
    counted = Counter(names)
    return ", ".join(f"{name} {n}" for name, n in sorted(counted.items())) or "none"


def _reconcile_costs(stack: Any, front: Any, job_id: str) -> tuple[list[Any], ...]:
    """Count /status on a record made stale: first with no stored results, then with all."""
    s3, bucket = stack.client("s3"), stack.outputs["S3BucketName"]
    key = f"jobs/{job_id}/status.json"
    done = json.loads(s3.get_object(Bucket=bucket, Key=key)["Body"].read())
    # The record as the worker's start left it, 30 s ago, deadline still ahead.
    stale = {**done, "status": "in_progress", "updatedAt": "2000-01-01T00:00:00.000Z"}
    stale["deadline"] = time.time() + 300
    stale["results"] = [
        {**r, "status": "in_progress", "imageKey": None, "duration": None} for r in done["results"]
    ]
    ghost = {**stale, "jobId": str(uuid.uuid4())}  # the same, with no result objects stored
    s3.put_object(Bucket=bucket, Key=f"jobs/{ghost['jobId']}/status.json", Body=json.dumps(ghost))
    s3.put_object(Bucket=bucket, Key=key, Body=json.dumps(stale))
    measured = []
    for target in (ghost["jobId"], job_id, job_id):
        front.stats.calls.clear()
        assert stack.call("GET", f"/status/{target}").status == 200
        measured.append(list(front.stats.calls))
    assert json.loads(s3.get_object(Bucket=bucket, Key=key)["Body"].read())["status"] == "completed"
    return tuple(measured)


def run() -> list[tuple[str, str]]:
    if str(ROOT) not in sys.path:  # also runnable as `python bench/load.py`
        sys.path.insert(0, str(ROOT))
    from local.driver import local_stack, parameters
    from local.s3proxy import ThrottlingS3

    params = parameters(MODELS, ip_limit=100000, global_limit=100000, whitelist=CLIENT)
    rows: list[tuple[str, str]] = []
    with (
        tempfile.TemporaryDirectory(prefix="bench-load-") as tmp,
        local_stack(params, Path(tmp)) as stack,
    ):
        stack.control("POST", "/_control/latency", {"seconds": 0.05})
        warm = stack.call("POST", "/generate", {"prompt": "warm up"})  # cold start not counted
        stack.wait_terminal(warm.json()["jobId"], within_s=120)

        wall, lat, statuses, replies = _hammer(
            lambda i: stack.call("POST", "/generate", {"prompt": f"bench {i}"}), GENERATES
        )
        assert set(statuses) == {202}, Counter(statuses)
        rows.append(_row("POST /generate", GENERATES, wall, lat))
        jobs = [r.json()["jobId"] for r in replies]

        wall, lat, statuses, _ = _hammer(
            lambda i: stack.call("GET", f"/status/{jobs[i % len(jobs)]}"), STATUSES
        )
        assert set(statuses) == {200}, Counter(statuses)
        rows.append(_row("GET /status", STATUSES, wall, lat))
        for job in jobs:  # let the workers finish before S3 is measured
            stack.wait_terminal(job, within_s=180)

        with ThrottlingS3(stack.outputs["LocalAwsEndpoint"], every=0) as front:
            stack.configure_function(env={"AWS_ENDPOINT_URL_S3": front.url})
            stack.call("GET", f"/status/{jobs[0]}")  # the reloaded function's first call
            front.stats.calls.clear()
            assert stack.call("GET", f"/status/{jobs[0]}").status == 200
            status_calls = list(front.stats.calls)
            front.stats.calls.clear()
            # From an address the limits apply to: the per-IP and global counters are counted.
            reply = stack.call("POST", "/generate", {"prompt": "counted"}, source=LIMITED)
            assert reply.status == 202
            generate_calls = list(front.stats.calls)
            # Its worker's S3 traffic goes through the same front: let it finish first.
            stack.wait_terminal(reply.json()["jobId"], within_s=60)
            stale_calls, heal_calls, after_calls = _reconcile_costs(stack, front, jobs[1])
        rows.append(("S3 requests per GET /status (target: one read)", _s3_ops(status_calls)))
        rows.append(
            ("S3 requests per GET /status, stale record, nothing new", _s3_ops(stale_calls))
        )
        rows.append(
            (
                f"S3 requests per GET /status, record healed from {len(MODELS)} stored results",
                _s3_ops(heal_calls),
            )
        )
        rows.append(("S3 requests per GET /status, the poll after healing", _s3_ops(after_calls)))
        rows.append(
            (
                "S3 requests per POST /generate (2 limit counters, job record)",
                _s3_ops(generate_calls),
            )
        )
    return rows


if __name__ == "__main__":
    for what, figure in run():
        print(f"{what}: {figure}")
