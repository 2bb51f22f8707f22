"""Fixtures for the page's browser tests: Debian's chromium driven by Playwright, the fake API
and a static server for frontend/."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.web.fakeapi import FakeApi, StaticSite

ROOT = Path(__file__).resolve().parents[2]
FRONTEND = ROOT / "frontend"
SCREENSHOTS = ROOT / "build" / "screenshots"
CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def chromium(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """One headless chromium with an empty profile for the whole session."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is absent: install Debian's chromium (apt-get install chromium)")
    from playwright import sync_api  # a missing package is an error, not a skip: CI installs it

    profile = tmp_path_factory.mktemp("chromium-profile")
    with sync_api.sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            str(profile),
            executable_path=str(CHROMIUM),
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": 1280, "height": 900},
            accept_downloads=True,
        )
        try:
            yield context
        finally:
            context.close()


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
