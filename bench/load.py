"""The local API under concurrent load, and what one API call costs in S3 requests.

Starts the real `deploy.py --local` (two models, simulator latency 50 ms, the client address
whitelisted so no limit interferes), then:
  - POST /generate: CONCURRENCY clients, GENERATES requests in all -> throughput, p50/p99;
  - GET /status of those jobs: CONCURRENCY clients, STATUSES requests -> throughput, p50/p99;
  - S3 requests per call: the function's S3 traffic is sent through a counting front
    (AWS_ENDPOINT_URL_S3) and one /status and one /generate are counted by operation.
Figures are what this machine does with the local emulators, not AWS; the ratios travel better.

`python -m bench.load` prints the rows; `python -m bench` puts them in the shared table.
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

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
        rows.append(("S3 requests per GET /status (target: one read)", _s3_ops(status_calls)))
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
