"""Fixtures every part of the suite shares.

The browser lives here, once: two session-scoped Playwright instances alive at the same time
(one per conftest that defined it) made the second refuse to start ("Sync API inside the
asyncio loop") whenever random order ran the end-to-end tests before the page's. Each test gets
its own context of it, so no page state outlives its test.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

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
def browser() -> Iterator[Any]:
    """One headless chromium for the whole session (starting it costs about a second)."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is absent: install Debian's chromium (apt-get install chromium)")
    from playwright import sync_api  # a missing package is an error, not a skip: CI installs it

    with sync_api.sync_playwright() as pw:
        launched = pw.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def chromium(browser: Any) -> Iterator[Any]:
    """A fresh browser context for each test: its own storage, cookies and permissions, so
    nothing a test's page remembers (a token, a model choice) reaches the next test."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    try:
        yield context
    finally:
        context.close()


@pytest.hookimpl(trylast=True)  # after pytest-randomly has shuffled
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The slow modules (a local stack or a browser) first, each group still in its random
    order: with one file per worker, a long module drawn last keeps one worker busy after
    the others have finished (the longest-first rule for scheduling)."""
    slow = {
        item.path
        for item in items
        if item.get_closest_marker("e2e") or item.get_closest_marker("browser")
    }
    items.sort(key=lambda item: item.path not in slow)  # stable: the order within each group
