"""The page against a private fake API: the token is asked for once, kept, and forgotten on
request; and each card shows what its model cost."""

from __future__ import annotations

import re
import threading
import time
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.web.fakeapi import DEFAULT_MODELS, PRICE_USD, FakeApi, StaticSite

pytestmark = pytest.mark.browser

TOKEN = "page-test-token-0123456789"
PROMPT = "A lighthouse on a basalt cliff at dusk"
N = len(DEFAULT_MODELS)


def open_clean(page: Any, site: StaticSite) -> None:
    """The page, ready (each test's browser context starts with nothing remembered)."""
    page.goto(site.url)
    expect(page.locator("body")).to_have_attribute("data-ready", "true")


def generate(page: Any) -> None:
    page.get_by_label("Prompt", exact=True).fill(PROMPT)
    page.get_by_role("button", name="Generate").click()


def authorizations(api: FakeApi, method: str, prefix: str) -> list[str | None]:
    return [r.headers.get("Authorization") for r in api.calls(method, prefix)]


def test_the_token_is_asked_once_kept_and_sent_on_every_call(
    page: Any, site: StaticSite, api: FakeApi
) -> None:
    api.access_token = TOKEN
    # WHEN the page's first call (the gallery) is refused with 401
    open_clean(page, site)
    dialog = page.locator("#token-dialog")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("This deployment is private")
    page.get_by_label("Token", exact=True).fill(TOKEN)
    page.get_by_role("button", name="Use token").click()
    expect(dialog).to_be_hidden()
    # THEN a job runs with the token on every call, and the page offers to forget it
    generate(page)
    expect(page.locator("#progress")).to_have_text(re.compile(rf"^{N} of {N} done"))
    assert authorizations(api, "POST", "/generate") == [f"Bearer {TOKEN}"]
    gallery_calls = authorizations(api, "GET", "/gallery/list")
    assert gallery_calls[0] is None and gallery_calls[-1] == f"Bearer {TOKEN}"
    assert set(authorizations(api, "GET", "/status/")) == {f"Bearer {TOKEN}"}
    assert page.evaluate("localStorage.getItem('pixelprompt.accessToken')") == TOKEN
    expect(page.get_by_role("button", name="Forget access token")).to_be_visible()
    # AND after a reload nothing is asked again
    page.reload()
    generate(page)
    expect(page.locator("#progress")).to_have_text(re.compile(rf"^{N} of {N} done"))
    expect(dialog).to_be_hidden()
    assert authorizations(api, "POST", "/generate")[-1] == f"Bearer {TOKEN}"


def test_forgetting_the_token_asks_again_and_cancel_shows_the_401(
    page: Any, site: StaticSite, api: FakeApi
) -> None:
    api.access_token = TOKEN
    open_clean(page, site)
    page.evaluate(f"localStorage.setItem('pixelprompt.accessToken', '{TOKEN}')")
    page.reload()
    expect(page.locator("body")).to_have_attribute("data-ready", "true")
    expect(page.locator("#token-dialog")).to_be_hidden()  # remembered: nothing is asked
    forget = page.get_by_role("button", name="Forget access token")
    forget.click()
    expect(forget).to_be_hidden()
    assert page.evaluate("localStorage.getItem('pixelprompt.accessToken')") is None
    generate(page)
    expect(page.locator("#token-dialog")).to_be_visible()
    page.get_by_role("button", name="Cancel").click()
    expect(page.locator("#message")).to_contain_text("This deployment is private")
    assert authorizations(api, "POST", "/generate") == [None]


def test_a_refusal_arriving_after_the_token_was_given_is_sent_again_not_asked_again(
    page: Any, site: StaticSite, api: FakeApi
) -> None:
    # GIVEN a private deployment whose leaderboard refusal is held back
    api.access_token = TOKEN
    late = threading.Event()
    api.held_refusals = {"/leaderboard": late}
    open_clean(page, site)
    # WHEN the token is given to the first question, and only then that refusal arrives
    page.get_by_label("Token", exact=True).fill(TOKEN)
    page.get_by_role("button", name="Use token").click()
    expect(page.locator("#token-dialog")).to_be_hidden()
    late.set()
    # THEN the late-refused call is sent again with the token, and nobody is asked twice
    give_up = time.monotonic() + 10
    while authorizations(api, "GET", "/leaderboard")[-1:] != [f"Bearer {TOKEN}"]:
        assert time.monotonic() < give_up, authorizations(api, "GET", "/leaderboard")
        page.wait_for_timeout(100)
    assert authorizations(api, "GET", "/leaderboard") == [None, f"Bearer {TOKEN}"]
    expect(page.locator("#token-dialog")).to_be_hidden()


def test_a_wrong_token_is_shown_and_asked_for_again_next_time(
    page: Any, site: StaticSite, api: FakeApi
) -> None:
    api.access_token = TOKEN
    open_clean(page, site)  # the gallery's 401 asks first
    page.get_by_label("Token", exact=True).fill("not-the-token")
    page.get_by_role("button", name="Use token").click()
    expect(page.locator("#token-dialog")).to_be_hidden()
    # WHEN a generate is sent with the wrong token kept, the page asks again
    generate(page)
    expect(page.locator("#token-dialog")).to_be_visible()
    page.get_by_label("Token", exact=True).fill("still-not-it")
    page.get_by_role("button", name="Use token").click()
    expect(page.locator("#message")).to_contain_text("not right")


def test_each_card_shows_its_cost_measured_or_estimated(
    page: Any, site: StaticSite, api: FakeApi
) -> None:
    open_clean(page, site)  # a public fake: no token involved
    generate(page)
    expect(page.locator("#progress")).to_have_text(re.compile(rf"^{N} of {N} done"))
    # the fake reports the price table's estimate for every model
    for i in range(N):
        expect(page.locator("#grid > li").nth(i).locator(".cost")).to_have_text(
            f"~${PRICE_USD:.3f} est."
        )
    shown = page.evaluate(
        """async () => {
            const grid = await import('./assets/grid.js');
            return [grid.formatCost({usd: 0.04, measured: true}),
                    grid.formatCost({usd: 0.0045, measured: false}),
                    grid.formatCost(null)];
        }"""
    )
    assert shown == ["$0.040", "~$0.0045 est.", ""]
