"""The page end to end: `deploy.py --local` started once for this module, the page loaded from
the local CDN (uploaded there by the deployer), talking to the local API, whose function calls
the provider simulator."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.web.conftest import ROOT, copy_to_docs
from tests.web.conftest import http as _http

pytestmark = [pytest.mark.browser, pytest.mark.e2e]

PROMPT = "A lighthouse on a basalt cliff at dusk, storm clouds rolling in, oil painting"
IP_LIMIT = 4  # generations per IP per day in this run, so that the 429 test can reach it
JOB_TIMEOUT = 60_000  # ms: nine models on the simulator, with its realistic delays


def _models() -> list[str]:
    params = json.loads((ROOT / "parameters.example.json").read_text())["Parameters"]
    return [params[f"Model{i}Name"] for i in range(1, int(params["ModelCount"]) + 1)]


MODELS = _models()
N = len(MODELS)


@pytest.fixture
def page(chromium: Any) -> Iterator[Any]:
    page = chromium.new_page()
    page.set_default_timeout(15_000)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        yield page
    finally:
        page.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


def open_page(page: Any, url: str) -> None:
    page.goto(url)
    expect(page.locator("body")).to_have_attribute("data-ready", "true")


def generate(page: Any, prompt: str = PROMPT) -> None:
    page.get_by_label("Prompt", exact=True).fill(prompt)
    page.get_by_role("button", name="Generate").click()


def wait_done(page: Any, failed: int = 0) -> None:
    suffix = f" · {failed} failed" if failed else ""
    expect(page.locator("#progress")).to_have_text(
        re.compile(rf"^{N} of {N} done{re.escape(suffix)} · "), timeout=JOB_TIMEOUT
    )


def test_the_cdn_serves_the_page_and_a_config_naming_the_local_api(
    local_run: dict[str, str], web_url: str
) -> None:
    status, headers, config = _http("GET", web_url + "config.json")
    assert status == 200
    assert headers.get("cache-control") == "no-cache"
    assert config["apiEndpoint"].rstrip("/") == local_run["LocalApiEndpoint"].rstrip("/")
    with urllib.request.urlopen(web_url, timeout=10) as response:  # DefaultRootObject
        assert response.headers["Content-Type"].startswith("text/html")
        assert b'<script type="module" src="assets/main.js">' in response.read()


def test_generate_shows_an_image_in_every_card(
    page: Any, web_url: str, simulator: str, screenshot_dir: Path
) -> None:
    page.set_viewport_size({"width": 1024, "height": 900})  # nine cards as three rows of three
    open_page(page, web_url)
    page.get_by_label("Aspect ratio").select_option("16:9")  # the screenshot shows the options
    page.get_by_label("Seed").fill("7")
    generate(page)
    wait_done(page)
    page.wait_for_function(
        """n => { const imgs = [...document.querySelectorAll('#grid img')];
                  return imgs.length === n
                         && imgs.every(i => i.complete && i.naturalWidth > 0); }""",
        arg=N,
    )
    for model in MODELS:
        card = page.locator("#grid > li").filter(
            has=page.get_by_role("heading", name=model, exact=True)
        )
        expect(card).to_have_attribute("data-status", "completed")
        expect(card.get_by_role("img")).to_have_attribute("alt", f"{model}: {PROMPT}")
    page.mouse.move(0, 0)
    expect(page.locator("#gallery-list > li")).not_to_have_count(0)
    shot = screenshot_dir / "local-run.png"
    page.screenshot(path=str(shot), full_page=True)
    copy_to_docs(shot)


def test_enhance_replaces_the_prompt_and_undo_puts_it_back(page: Any, web_url: str) -> None:
    open_page(page, web_url)
    box = page.get_by_label("Prompt", exact=True)
    box.fill("a cat on a windowsill")
    page.get_by_role("button", name="Enhance").click()
    expect(page.get_by_role("button", name="Undo")).to_be_visible(timeout=JOB_TIMEOUT)
    enhanced = box.input_value()
    assert enhanced.strip() and enhanced != "a cat on a windowsill"
    page.get_by_role("button", name="Undo").click()
    expect(box).to_have_value("a cat on a windowsill")


def test_a_failing_provider_shows_its_error_while_the_others_show_images(
    page: Any, web_url: str, simulator: str
) -> None:
    status, _, _ = _http(
        "POST", f"{simulator}/_control/faults", {"provider": "stability", "mode": "moderation"}
    )
    assert status == 200
    failing = [m for m in MODELS if m.startswith("stability/")]
    assert len(failing) == 1, MODELS
    open_page(page, web_url)
    generate(page, "a moderated prompt, " + PROMPT)
    wait_done(page, failed=1)
    card = page.locator("#grid > li").filter(
        has=page.get_by_role("heading", name=failing[0], exact=True)
    )
    expect(card).to_have_attribute("data-status", "error")
    expect(card.locator(".card-error")).not_to_be_empty()
    expect(page.locator("#grid > li[data-status=completed] img")).to_have_count(N - 1)


def test_the_gallery_lists_the_generation_just_made(page: Any, web_url: str) -> None:
    open_page(page, web_url)
    prompt = "a gallery check: red kite over a frozen lake"
    generate(page, prompt)
    wait_done(page)
    newest = page.locator("#gallery-list > li").first
    expect(newest).to_contain_text(f"{N} images")
    newest.get_by_role("button").click()
    images = page.locator("#gallery-images img")
    expect(images).to_have_count(N)
    expect(images.first).to_have_attribute("alt", re.compile(re.escape(f": {prompt}") + "$"))


@pytest.fixture
def own_ip_budget(local_run: dict[str, str]) -> Iterator[None]:
    """The per-IP budget, spent by one test and given back after it: the rate-limit counters
    are objects under ratelimit/ in the stack's bucket, removed before and after."""
    import boto3

    s3 = boto3.client(
        "s3", endpoint_url=local_run["LocalAwsEndpoint"], region_name="us-east-1",
        aws_access_key_id="testing", aws_secret_access_key="testing",
    )  # fmt: skip

    def clear() -> None:
        bucket = local_run["S3BucketName"]
        listed = s3.list_objects_v2(Bucket=bucket, Prefix="ratelimit/").get("Contents", [])
        for item in listed:
            s3.delete_object(Bucket=bucket, Key=item["Key"])

    clear()
    yield
    clear()


def test_a_429_is_shown_with_its_wait_time(
    page: Any, web_url: str, local_run: dict[str, str], own_ip_budget: None
) -> None:
    api = local_run["LocalApiEndpoint"].rstrip("/")
    origin = {"Origin": web_url.rstrip("/")}
    for _ in range(IP_LIMIT + 1):
        status, headers, body = _http("POST", f"{api}/generate", {"prompt": "spend it"}, origin)
        if status == 429:
            break
        assert status in (200, 202), (status, body)
    assert status == 429, "the per-IP limit was never reached"
    wait = int(headers["retry-after"])

    open_page(page, web_url)
    generate(page)
    message = page.locator("#message")
    # The API's own sentence, which names the wait ("... try again in 24 hours.").
    expect(message).to_have_text(body["error"])
    expect(message).to_contain_text(re.compile(r"try again in \d+ \w+", re.I))
    # The exact Retry-After reaches the page because the API exposes it to scripts (CORS).
    assert "retry-after" in headers.get("access-control-expose-headers", "").lower()
    shown = int(message.get_attribute("data-retry-after"))
    assert wait - 5 <= shown <= wait
