"""Cold start: importing the Lambda handler in a fresh interpreter, against `import boto3` alone.

The handler creates no boto3 client and imports neither boto3 nor the provider adapters at import
time, so its import should cost less than boto3's own (which Lambda pays on first use anyway).
"""

from __future__ import annotations

import statistics
import subprocess
import sys
from pathlib import Path

HANDLER = Path(__file__).resolve().parent.parent / "handler"
RUNS = 7
_TIMED = (
    "import sys, time; sys.path.insert(0, {path!r}); t = time.perf_counter(); import {module}; "
    "print(time.perf_counter() - t)"
)


def import_seconds(module: str, runs: int = RUNS) -> float:
    """Median wall time of `import <module>` in `runs` fresh interpreters (no bytecode writes)."""
    code = _TIMED.format(path=str(HANDLER), module=module)
    times = [
        float(
            subprocess.run(
                [sys.executable, "-B", "-c", code],
                capture_output=True,
                text=True,
                check=True,
                timeout=60,
            ).stdout
        )
        for _ in range(runs)
    ]
    return statistics.median(times)


def run() -> list[tuple[str, str]]:
    handler = import_seconds("lambda_function")
    boto3 = import_seconds("boto3")
    return [
        (f"import lambda_function (median of {RUNS})", f"{handler * 1000:.0f} ms"),
        (f"import boto3 alone (median of {RUNS})", f"{boto3 * 1000:.0f} ms"),
        ("handler import / boto3 import", f"{handler / boto3:.2f}x"),
    ]


if __name__ == "__main__":
    for what, figure in run():
        print(f"{what}: {figure}")
