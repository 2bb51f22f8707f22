"""The cold-start log line: which Python and which AWS SDK this execution environment runs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import boto3
import botocore
from pixelprompt import runtime

HANDLER = Path(__file__).resolve().parents[2] / "handler"


def test_the_sdk_versions_are_those_import_would_load() -> None:
    info = runtime.describe()
    assert (info["boto3"], info["botocore"]) == (boto3.__version__, botocore.__version__)
    assert info["python"] == sys.version.split()[0]


def test_an_sdk_under_the_task_root_is_reported_as_the_zips(monkeypatch) -> None:
    site = str(Path(botocore.__file__).resolve().parents[1])
    monkeypatch.setenv("LAMBDA_TASK_ROOT", site)
    assert runtime.describe()["sdkFrom"] == "zip"
    monkeypatch.setenv("LAMBDA_TASK_ROOT", "/var/task")
    assert runtime.describe()["sdkFrom"] == "runtime"


def test_a_cold_start_logs_one_line_with_the_versions() -> None:
    proc = subprocess.run(
        [sys.executable, "-B", "-c", "import lambda_function"],
        cwd=HANDLER,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONPATH": str(HANDLER)},
    )
    lines = [json.loads(line) for line in (proc.stdout + proc.stderr).splitlines() if "{" in line]
    (cold,) = [line for line in lines if line["message"] == "cold start"]
    assert cold["botocore"] == botocore.__version__ and cold["boto3"] == boto3.__version__
    assert cold["level"] == "INFO" and cold["sdkFrom"] in ("zip", "runtime")
