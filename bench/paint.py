"""Recorded-to-painted: how long after a result lands in the job record its image is on screen.

Starts the real `deploy.py --local` with the example's nine models (the simulator's realistic
per-provider delays), opens the page from the local CDN in headless Chromium and generates
JOBS prompts with each way of following a job, side by side in one run:
  - long-polling (the page's default): GET /status?wait=10&since=<updatedAt>;
  - the schedule (`?poll=schedule`, the fallback): a poll every 500 ms growing to 3 s.
A watcher reads the job record straight from the local S3 every 20 ms; a result is "recorded"
at the `updatedAt` of the first record version that holds it (stamped just before that write,
so the figure errs long, not short). The page marks each card when its image has loaded and the
next frame is painted (`data-painted-at`, performance.timeOrigin + now). Both are this
machine's wall clock. Also counted: /status requests per second of polling, from the page's
resource timings (first request to last answer).

`python -m bench.paint` prints the rows; `python -m bench` puts them in the shared table.
"""

from __future__ import annotations

import json
import sys
import tempfile
import threading
import time
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
JOBS = 4  # per mode: 4 x 9 = 36 results each
WATCH_EVERY_S = 0.02
CHROMIUM = "/usr/bin/chromium"
MODES = [("long-poll", ""), ("schedule", "?poll=schedule")]


def _percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _epoch_ms(stamp: str) -> float:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp() * 1000


class Watcher(threading.Thread):
    """Reads jobs/<id>/status.json every 20 ms; notes when each result first appears final."""

    def __init__(self, s3: Any, bucket: str, job_id: str) -> None:
        super().__init__(daemon=True)
        self.s3, self.bucket, self.key = s3, bucket, f"jobs/{job_id}/status.json"
        self.recorded: dict[int, float] = {}  # slot index -> epoch ms
        self.halt = threading.Event()

    def run(self) -> None:
        while not self.halt.is_set():
            try:
                doc = json.loads(
                    self.s3.get_object(Bucket=self.bucket, Key=self.key)["Body"].read()
                )
            except Exception:  # not written yet
                doc = None
            if doc:
                for r in doc["results"]:
                    if r.get("status") == "completed" and r["index"] not in self.recorded:
                        self.recorded[r["index"]] = _epoch_ms(doc["updatedAt"])
                if doc.get("status") in ("completed", "partial", "failed"):
                    return
            self.halt.wait(WATCH_EVERY_S)


def _one_job(page: Any, stack: Any, s3: Any, bucket: str, url: str, n: int) -> dict[str, Any]:
    page.goto(url)
    page.wait_for_selector("body[data-ready=true]")
    page.fill("#prompt", f"benchmark prompt {n}: a harbour at dawn, {time.time()}")
    with page.expect_response(lambda r: r.url.endswith("/generate")) as info:
        page.click("#generate")
    job_id = info.value.json()["jobId"]
    watcher = Watcher(s3, bucket, job_id)
    watcher.start()
    page.wait_for_function(
        """() => { const cards = [...document.querySelectorAll('#grid > li')];
                   return cards.length > 0 && cards.every(c => c.dataset.paintedAt
                          || c.dataset.status === 'error'); }""",
        timeout=120_000,
    )
    watcher.join(10)
    watcher.halt.set()
    painted = page.evaluate(
        """() => Object.fromEntries([...document.querySelectorAll('#grid > li')]
                   .filter(c => c.dataset.paintedAt)
                   .map(c => [c.dataset.index, Number(c.dataset.paintedAt)]))"""
    )
    polls = page.evaluate(
        """id => performance.getEntriesByType('resource')
                  .filter(e => e.name.includes('/status/' + id))
                  .map(e => [performance.timeOrigin + e.startTime,
                             performance.timeOrigin + e.responseEnd])""",
        job_id,
    )
    latencies = [
        painted[str(i)] - recorded for i, recorded in watcher.recorded.items() if str(i) in painted
    ]
    span_s = (polls[-1][1] - polls[0][0]) / 1000 if polls else 0.0
    return {"latencies": latencies, "requests": len(polls), "span_s": span_s}


def run() -> list[tuple[str, str]]:
    if str(ROOT) not in sys.path:  # also runnable as `python bench/paint.py`
        sys.path.insert(0, str(ROOT))
    from playwright.sync_api import sync_playwright

    from local.driver import local_stack

    params = json.loads((ROOT / "parameters.example.json").read_text())
    params["Parameters"].update(IPRateLimit=100_000, GlobalRateLimit=100_000)
    rows: list[tuple[str, str]] = []
    with (
        tempfile.TemporaryDirectory(prefix="bench-paint-") as tmp,
        local_stack(params, Path(tmp)) as stack,
        sync_playwright() as pw,
    ):
        s3 = stack.client("s3")
        bucket = stack.outputs["S3BucketName"]
        web = stack.outputs["LocalCloudFrontUrl"].rstrip("/") + "/"
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        _one_job(page, stack, s3, bucket, web, 0)  # warm up: cold starts are not counted
        results: dict[str, list[dict[str, Any]]] = {name: [] for name, _ in MODES}
        for n in range(JOBS):  # interleaved, so both modes see the same machine load
            for name, query in MODES:
                results[name].append(_one_job(page, stack, s3, bucket, web + query, n + 1))
        browser.close()
    for name, _ in MODES:
        lat = [x for job in results[name] for x in job["latencies"]]
        requests = sum(job["requests"] for job in results[name])
        span = sum(job["span_s"] for job in results[name])
        rows.append(
            (
                f"recorded -> painted, {name} ({len(lat)} results, {JOBS} jobs of 9 models)",
                f"p50 {_percentile(lat, 0.5):.0f} ms, p95 {_percentile(lat, 0.95):.0f} ms, "
                f"max {max(lat):.0f} ms (target p95 <= 500 ms)",
            )
        )
        rows.append(
            (
                f"GET /status per second of polling, {name} (target <= 1)",
                f"{requests / span:.2f} ({requests} requests in {span:.1f} s)",
            )
        )
    return rows


if __name__ == "__main__":
    for what, figure in run():
        print(f"{what}: {figure}")
