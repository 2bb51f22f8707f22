"""The Lambda zip: a cold build (empty cache: pip fetches the python3.12 manylinux wheels) against
a rebuild from cached dependencies and a fully cached build, and the zip's size against 25 MB.

`python -m bench.package` prints the rows; `python -m bench` puts them in the shared table.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

ROOT = Path(__file__).resolve().parent.parent
WARM_RUNS = 5
SIZE_TARGET_MB = 25.0  # deployer.packager.ZIP_LIMIT
T = TypeVar("T")


def _timed(fn: Callable[[], T]) -> tuple[float, T]:
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def run() -> list[tuple[str, str]]:
    if str(ROOT) not in sys.path:  # also runnable as `python bench/package.py`
        sys.path.insert(0, str(ROOT))
    from deployer.packager import build

    handler = ROOT / "handler"
    with tempfile.TemporaryDirectory(prefix="bench-package-") as tmp:
        cache = Path(tmp) / "cache"  # empty: nothing from earlier runs or deploys
        cold_s, cold = _timed(lambda: build(handler, Path(tmp) / "cold.zip", cache, reuse=False))
        rebuilds = [
            _timed(lambda: build(handler, Path(tmp) / "rebuild.zip", cache, reuse=False))
            for _ in range(WARM_RUNS)
        ]
        cached = [
            _timed(lambda: build(handler, Path(tmp) / "cached.zip", cache, reuse=True))
            for _ in range(WARM_RUNS)
        ]
    rebuild_s = statistics.median(s for s, _ in rebuilds)
    cached_s = statistics.median(s for s, _ in cached)
    shas = {cold.sha256, *(p.sha256 for _, p in rebuilds), *(p.sha256 for _, p in cached)}
    size_mb = cold.size / 2**20
    return [
        ("zip build, cold (empty cache: pip downloads the wheels)", f"{cold_s:.2f} s"),
        (
            f"zip build, dependencies cached, zip rewritten (median of {WARM_RUNS})",
            f"{rebuild_s * 1000:.0f} ms = {rebuild_s / cold_s:.3f}x cold",
        ),
        (
            f"zip build, fully cached, nothing changed (median of {WARM_RUNS})",
            f"{cached_s * 1000:.0f} ms = {cached_s / cold_s:.4f}x cold",
        ),
        (
            f"zip size (target <= {SIZE_TARGET_MB:g} MB)",
            f"{size_mb:.2f} MB, {cold.entries} files = {size_mb / SIZE_TARGET_MB:.2f}x target",
        ),
        ("same sha256 on every build", "yes" if len(shas) == 1 else f"no: {len(shas)} digests"),
    ]


if __name__ == "__main__":
    for what, figure in run():
        print(f"{what}: {figure}")
