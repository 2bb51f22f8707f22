"""How long `python build_template.py` takes as a whole process, interpreter start included.

`python -m bench.template` prints the rows; `python -m bench` puts them in the shared table.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROCESS_RUNS = 7
IN_PROCESS_RUNS = 20


def _time_process() -> tuple[float, int]:
    """Seconds for one full run of the script, and the bytes it printed."""
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "build_template.py"],
        cwd=ROOT,
        capture_output=True,
        check=True,
        timeout=120,
    )
    return time.perf_counter() - start, len(proc.stdout)


def _time_in_process() -> float:
    if str(ROOT) not in sys.path:  # also runnable as `python bench/template.py`
        sys.path.insert(0, str(ROOT))
    from infra.template import template_json

    template_json()  # warm: imports happen once, as in deployer's in-process use
    runs = []
    for _ in range(IN_PROCESS_RUNS):
        start = time.perf_counter()
        template_json()
        runs.append(time.perf_counter() - start)
    return statistics.median(runs)


def run() -> list[tuple[str, str]]:
    _time_process()  # warm the OS file cache and .pyc files; not counted
    samples = [_time_process() for _ in range(PROCESS_RUNS)]
    seconds = [s for s, _ in samples]
    size = samples[-1][1]
    return [
        (
            f"python build_template.py, whole process (median of {PROCESS_RUNS})",
            f"{statistics.median(seconds) * 1000:.0f} ms "
            f"(min {min(seconds) * 1000:.0f}, max {max(seconds) * 1000:.0f})",
        ),
        (
            f"template_json() in-process, after imports (median of {IN_PROCESS_RUNS})",
            f"{_time_in_process() * 1000:.1f} ms",
        ),
        ("template size (inline TemplateBody limit 51,200 B)", f"{size:,} B"),
    ]


if __name__ == "__main__":
    for what, figure in run():
        print(f"{what}: {figure}")
