"""Fixtures for the page's browser tests: Debian's chromium driven by Playwright, the fake API
and a static server for frontend/."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.web.fakeapi import FakeApi, StaticSite

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT = 150.0  # s: deploy.py --local from nothing to serving
FRONTEND = ROOT / "frontend"
SCREENSHOTS = ROOT / "build" / "screenshots"


@pytest.fixture(scope="module")
def fake_api() -> Iterator[FakeApi]:
    api = FakeApi()
    api.start()
    try:
        yield api
    finally:
        api.stop()


@pytest.fixture(scope="module")
def site(fake_api: FakeApi) -> Iterator[StaticSite]:
    server = StaticSite(FRONTEND, {"apiEndpoint": fake_api.url})
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def api(fake_api: FakeApi, site: StaticSite) -> FakeApi:
    """The fake API, fresh for each test; the config lists no models unless a test says so."""
    fake_api.reset()
    site.config.clear()
    site.config["apiEndpoint"] = fake_api.url
    return fake_api


@pytest.fixture
def page(chromium: Any, api: FakeApi) -> Iterator[Any]:
    page = chromium.new_page()
    page.set_default_timeout(10_000)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        yield page
    finally:
        page.close()
    # An uncaught exception in the page's own code fails the test that caused it.
    assert not errors, f"JavaScript errors on the page: {errors}"


@pytest.fixture(scope="session")
def screenshot_dir() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


def copy_to_docs(shot: Path) -> None:
    """Refresh docs/screenshot.png when asked to (UPDATE_SCREENSHOT=1), never by accident."""
    if os.environ.get("UPDATE_SCREENSHOT") == "1":
        shutil.copyfile(shot, ROOT / "docs" / "screenshot.png")


# -- the real local run (deploy.py --local), for the modules that drive it ---------------------


def lower(headers: Any) -> dict[str, str]:
    return {k.lower(): v for k, v in headers.items()}


def http(
    method: str, url: str, body: Any = None, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], Any]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(
        url,
        data=data,
        method=method,
        headers={"Content-Type": "application/json", **(headers or {})},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            raw = response.read()
            return response.status, lower(response.headers), json.loads(raw or b"null")
    except urllib.error.HTTPError as err:
        raw = err.read()
        try:
            payload = json.loads(raw or b"null")
        except ValueError:
            payload = raw.decode(errors="replace")
        return err.code, lower(err.headers), payload


@pytest.fixture(scope="module")
def local_run(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, str]]:
    """`deploy.py --local` started once for the module that asks; its IP_LIMIT, if it sets one,
    is the per-IP daily generation limit of that run."""
    work = tmp_path_factory.mktemp("local-run")
    params = json.loads((ROOT / "parameters.example.json").read_text())
    params["Parameters"]["IPRateLimit"] = getattr(request.module, "IP_LIMIT", 500)
    params_file = work / "parameters.web-test.json"
    params_file.write_text(json.dumps(params))
    outputs_file = work / "outputs.json"
    log = (work / "deploy.log").open("w+")
    command = [sys.executable, "deploy.py", "--params", str(params_file), "--local", "--yes"]
    command += ["--local-port", "0", "--outputs-file", str(outputs_file)]
    proc = subprocess.Popen(
        command,
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,  # its own process group, so that cleanup reaches every child
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )

    def tail() -> str:
        log.flush()
        log.seek(0)
        return "".join(log.readlines()[-40:])

    try:
        deadline = time.monotonic() + START_TIMEOUT
        while not (outputs_file.exists() and outputs_file.stat().st_size):
            if proc.poll() is not None:
                pytest.fail(f"deploy.py --local exited with {proc.returncode}:\n{tail()}")
            if time.monotonic() > deadline:
                pytest.fail(
                    f"deploy.py --local wrote no outputs in {START_TIMEOUT:.0f} s:\n{tail()}"
                )
            time.sleep(0.5)
        time.sleep(0.2)  # the file is written in one go, but be safe against a partial read
        outputs = json.loads(outputs_file.read_text())
        for key in ("LocalApiEndpoint", "LocalCloudFrontUrl", "LocalProviderSimulatorUrl"):
            assert outputs.get(key), f"{key} missing from the outputs: {outputs}"
        yield outputs
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=5)
        log.close()


@pytest.fixture(scope="module")
def web_url(local_run: dict[str, str]) -> str:
    return local_run["LocalCloudFrontUrl"].rstrip("/") + "/"


@pytest.fixture
def simulator(local_run: dict[str, str]) -> Iterator[str]:
    url = local_run["LocalProviderSimulatorUrl"].rstrip("/")
    http("DELETE", f"{url}/_control/faults")
    yield url
    http("DELETE", f"{url}/_control/faults")
