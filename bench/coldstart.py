"""Cold start: importing the Lambda handler in a fresh interpreter, against `import boto3` alone,
and the first S3 client made with the zip's bundled SDK against the installed one.

The handler creates no boto3 client and imports neither boto3 nor the provider adapters at import
time, so its import should cost less than boto3's own (which Lambda pays on first use anyway).
The zip bundles a pinned boto3/botocore with only the service models the function uses; making
the first client from it should cost what the full SDK costs.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

HANDLER = Path(__file__).resolve().parent.parent / "handler"
RUNS = 7
_TIMED = (
    "import sys, time; sys.path.insert(0, {path!r}); t = time.perf_counter(); import {module}; "
    "print(time.perf_counter() - t)"
)


_FIRST_CLIENT = (
    "import sys, time; sys.path.insert(0, {path!r}); t = time.perf_counter(); import boto3; "
    "boto3.client('s3', region_name='us-east-1'); print(time.perf_counter() - t)"
)
_SDK = ("boto3/", "botocore/", "s3transfer/", "jmespath/", "dateutil/", "urllib3/", "six.py")


def import_seconds(module: str, runs: int = RUNS, path: Path = HANDLER) -> float:
    """Median wall time of `import <module>` in `runs` fresh interpreters (no bytecode writes)."""
    return _median(_TIMED.format(path=str(path), module=module), runs)


def _median(code: str, runs: int, python: str = sys.executable) -> float:
    times = [
        float(
            subprocess.run(
                [python, "-B", "-c", code],
                capture_output=True,
                text=True,
                check=True,
                timeout=60,
            ).stdout.split()[-1]  # the handler's own cold-start log line comes first
        )
        for _ in range(runs)
    ]
    return statistics.median(times)


def first_client_seconds(sdk: Path, python: str, runs: int = RUNS) -> float:
    """Median of `import boto3` + the first S3 client with `python`, from `sdk` only."""
    return _median(_FIRST_CLIENT.format(path=str(sdk)), runs, python)


def _zip_sdk_rows() -> list[tuple[str, str]]:
    """The zip's SDK under python3.12 (the runtime's version), with and without its bytecode."""
    if str(HANDLER.parent) not in sys.path:
        sys.path.insert(0, str(HANDLER.parent))
    from deployer.packager import build, python312

    python = python312()
    if python is None:
        return [("zip's SDK: import boto3 + first S3 client", "n/a: no python3.12 here")]
    with tempfile.TemporaryDirectory(prefix="bench-sdk-") as tmp:
        with zipfile.ZipFile(build(HANDLER).path) as archive:
            names = [n for n in archive.namelist() if n.startswith(_SDK)]
            archive.extractall(Path(tmp) / "pyc", names)
            archive.extractall(Path(tmp) / "src", [n for n in names if not n.endswith(".pyc")])
        if not any((Path(tmp) / "pyc").rglob("*.pyc")):
            return [("zip's SDK: import boto3 + first S3 client", "n/a: zip has no bytecode")]
        compiled = first_client_seconds(Path(tmp) / "pyc", python)
        source = first_client_seconds(Path(tmp) / "src", python)
    return [
        (
            f"zip's SDK, python3.12: import boto3 + first S3 client, bytecode bundled "
            f"(median of {RUNS})",
            f"{compiled * 1000:.0f} ms",
        ),
        (
            "the same without bytecode (read-only /var/task: compiled on every cold start)",
            f"{source * 1000:.0f} ms; bundled bytecode = {compiled / source:.2f}x",
        ),
    ]


def run() -> list[tuple[str, str]]:
    handler = import_seconds("lambda_function")
    boto3 = import_seconds("boto3")
    return [
        (f"import lambda_function (median of {RUNS})", f"{handler * 1000:.0f} ms"),
        (f"import boto3 alone (median of {RUNS})", f"{boto3 * 1000:.0f} ms"),
        ("handler import / boto3 import", f"{handler / boto3:.2f}x"),
        *_zip_sdk_rows(),
    ]


if __name__ == "__main__":
    for what, figure in run():
        print(f"{what}: {figure}")
