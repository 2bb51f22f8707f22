"""Deploy timings on the embedded local AWS: first deploy, unchanged and code-change redeploys.

Each figure is the wall-clock time of the real `python deploy.py ...` command (a subprocess,
interpreter start-up included) against `localaws.LocalAws` with the project's template, run
from a copy of the project so that the code change never touches the working tree. The first
deploy starts from an empty dependency cache (pip downloads the Lambda wheels, as on a fresh
clone); a second stack then shows a first deploy with the cache warm. frontend/ is left out:
the web page's upload is measured by its own benchmark, if any.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FOLDERS = ("deployer", "infra", "handler")


def _copy_project(into: Path) -> Path:
    for folder in FOLDERS:
        shutil.copytree(ROOT / folder, into / folder, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("deploy.py", "parameters.example.json"):
        shutil.copy(ROOT / name, into / name)
    return into


def _timed_deploy(project: Path, endpoint: str, stack: str, cache: Path) -> tuple[float, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing",
               PIXEL_PROMPT_CACHE=str(cache))  # fmt: skip
    command = [sys.executable, "deploy.py", "--params", "parameters.example.json", "--yes",
               "--stack-name", stack, "--region", "us-east-1",
               "--endpoint-url", endpoint, "--skip-check"]  # fmt: skip
    started = time.perf_counter()
    done = subprocess.run(
        command, cwd=project, env=env, capture_output=True, text=True, check=False
    )
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"deploy failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return elapsed, done.stdout


def measure(repeats: int = 3) -> dict[str, float]:
    """Seconds per scenario; the redeploys are the median of `repeats` runs each."""
    sys.path.insert(0, str(ROOT))
    from local.aws import LocalAws

    with tempfile.TemporaryDirectory() as tmp, LocalAws() as aws:
        endpoint = aws.endpoint_url or ""
        project = _copy_project(Path(tmp) / "project")
        cache = Path(tmp) / "cache"
        first, _ = _timed_deploy(project, endpoint, "bench-a", cache)
        warm_first, _ = _timed_deploy(project, endpoint, "bench-b", cache)
        imports = _timed_imports(project)
        unchanged, changed = [], []
        for n in range(repeats):
            seconds, out = _timed_deploy(project, endpoint, "bench-a", cache)
            assert "No changes" in out, out
            unchanged.append(seconds)
            with (project / "handler" / "lambda_function.py").open("a") as source:
                source.write(f"\n# benchmark: code change {n}\n")
            seconds, out = _timed_deploy(project, endpoint, "bench-a", cache)
            assert "UPDATE_COMPLETE" in out, out
            changed.append(seconds)
    return {
        "first": first,
        "warm_first": warm_first,
        "unchanged": statistics.median(unchanged),
        "changed": statistics.median(changed),
        "imports": imports,
    }


def _timed_imports(project: Path) -> float:
    """What every run pays before any work: the interpreter and deploy.py's imports."""
    command = [sys.executable, "-c", "import deployer.cli"]
    started = time.perf_counter()
    subprocess.run(command, cwd=project, check=True)
    return time.perf_counter() - started


def run() -> list[tuple[str, str]]:
    t = measure()
    return [
        ("first deploy, empty dependency cache (pip + zip + create)", f"{t['first']:.2f} s"),
        ("first deploy of a 2nd stack, dependencies cached", f"{t['warm_first']:.2f} s"),
        ("unchanged redeploy, median of 3 (no upload, no change set)",
         f"{t['unchanged']:.2f} s = {t['unchanged'] / t['first']:.2f}x first, "
         f"{t['unchanged'] / t['warm_first']:.2f}x cached first"),
        ("code-change redeploy, median of 3 (new zip, upload, UPDATE)",
         f"{t['changed']:.2f} s = {t['changed'] / t['first']:.2f}x first"),
        ("of each run: Python start-up and imports", f"{t['imports']:.2f} s"),
    ]  # fmt: skip


if __name__ == "__main__":
    for what, figure in run():
        print(f"{what:<60} {figure}")
