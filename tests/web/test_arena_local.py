"""The arena on the page, end to end: `deploy.py --local` started once for this module, the page
from the local CDN, the real API and function, the provider simulator behind them. Each test
makes its own jobs (and votes) and looks only at those."""

from __future__ import annotations

import json
import re
import urllib.request
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.web.conftest import ROOT, http

pytestmark = [pytest.mark.browser, pytest.mark.e2e]

JOB_TIMEOUT = 60_000  # ms
PARAMS = json.loads((ROOT / "parameters.example.json").read_text())["Parameters"]
MODELS = [PARAMS[f"Model{i}Name"] for i in range(1, int(PARAMS["ModelCount"]) + 1)]
N = len(MODELS)


@pytest.fixture(scope="module")
def web_url(local_run: dict[str, str]) -> str:
    return local_run["LocalCloudFrontUrl"].rstrip("/") + "/"


@pytest.fixture(scope="module")
def api_url(local_run: dict[str, str]) -> str:
    return local_run["LocalApiEndpoint"].rstrip("/")


@pytest.fixture
def simulator(local_run: dict[str, str]) -> Iterator[str]:
    url = local_run["LocalProviderSimulatorUrl"].rstrip("/")
    http("DELETE", f"{url}/_control/faults")
    yield url
    http("DELETE", f"{url}/_control/faults")


@pytest.fixture
def page(chromium: Any, web_url: str) -> Iterator[Any]:
    page = chromium.new_page()
    page.set_default_timeout(15_000)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(web_url)
    try:
        yield page
    finally:
        page.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


def open_page(page: Any, url: str) -> None:
    page.goto(url)
    expect(page.locator("body")).to_have_attribute("data-ready", "true")


def generate(page: Any, prompt: str) -> None:
    page.get_by_label("Prompt", exact=True).fill(prompt)
    page.get_by_role("button", name="Generate").click()


def wait_done(page: Any, total: int, failed: int = 0) -> None:
    suffix = f" · {failed} failed" if failed else ""
    expect(page.locator("#progress")).to_have_text(
        re.compile(rf"^{total} of {total} done{re.escape(suffix)} · "), timeout=JOB_TIMEOUT
    )


def card(page: Any, model: str) -> Any:
    return page.locator("#grid > li").filter(
        has=page.get_by_role("heading", name=model, exact=True)
    )


def choose_models(page: Any, names: list[str]) -> None:
    picker = page.locator("#model-picker")
    if picker.get_attribute("open") is None:
        picker.locator("summary").click()
    expect(picker).to_have_attribute("open", "")
    page.get_by_role("button", name="None", exact=True).click()
    for name in names:
        page.get_by_label(name, exact=True).check()
    picker.locator("summary").click()


def job_id_of(page: Any) -> str:
    return (
        page.evaluate(
            "() => performance.getEntriesByType('resource').map(e => e.name)"
            ".filter(n => n.includes('/status/')).pop()"
        )
        .split("/status/")[1]
        .split("?")[0]
    )


def test_16_9_on_a_subset_and_every_card_says_what_was_sent(
    page: Any, web_url: str, api_url: str, simulator: str
) -> None:
    # GIVEN three of the nine models, 16:9 and seed 42
    open_page(page, web_url)
    chosen = [MODELS[0], MODELS[1], MODELS[4]]  # OpenAI, BFL and Recraft: three mappings
    choose_models(page, chosen)
    expect(page.locator("#model-summary")).to_have_text(f"3 of {N} models")
    page.get_by_label("Aspect ratio").select_option("16:9")
    page.get_by_label("Seed").fill("42")
    # WHEN the prompt is generated
    generate(page, "a 16:9 check: a tram crossing a bridge at night")
    wait_done(page, 3)
    # THEN only the chosen models ran: 16:9, seed 42, each result with what it was sent
    expect(page.locator("#grid > li")).to_have_count(3)
    status, _, body = http("GET", f"{api_url}/status/{job_id_of(page)}")
    assert status == 200
    assert body["parameters"]["aspectRatio"] == "16:9" and body["parameters"]["seed"] == 42
    assert [r["model"] for r in body["results"]] == chosen
    assert all(r["url"] == r["imageUrl"] for r in body["results"])  # the compatibility alias
    # and each card says what its provider was sent and what came back, as the API recorded it
    for result in body["results"]:
        facts = card(page, result["model"]).locator(".facts")
        sent, got = result["sent"], result["received"]
        asked = (sent.get("size") or sent["aspectRatio"]).replace("x", "\u00d7")
        expect(facts).to_contain_text(re.compile(rf"^Sent {re.escape(asked)}"))
        expect(facts).to_contain_text(f"Got {got['width']}\u00d7{got['height']}")
        if sent.get("seed") is not None:
            expect(facts).to_contain_text(f"seed {sent['seed']}")
        notes = card(page, result["model"]).locator(".notes li")
        expect(notes).to_have_text(result["notes"])
        # the model picker said beforehand what this model would be sent (GET /models)
        picker_row = page.locator(".check-row").filter(has_text=result["model"])
        hint = picker_row.locator(".would-send")
        expect(hint).to_have_text(f"sent {asked}")
    # a provider that takes no seed says so on its card, rather than ignoring it
    expect(card(page, MODELS[4]).locator(".notes")).to_contain_text("the seed was not sent")
    assert body["results"][1]["sent"]["seed"] == 42  # BFL takes it

    # The choice is remembered by this browser.
    open_page(page, web_url)
    expect(page.locator("#model-summary")).to_have_text(f"3 of {N} models")


def test_retry_one_failed_model_then_cancel_a_running_job(
    page: Any, web_url: str, api_url: str, simulator: str
) -> None:
    # GIVEN Stability refusing the first prompt only (a refusal is not retried by the adapter)
    fault = {"provider": "stability", "mode": "moderation", "count": 1}
    http("POST", f"{simulator}/_control/faults", fault)
    open_page(page, web_url)
    chosen = [MODELS[0], MODELS[3]]
    choose_models(page, chosen)
    generate(page, "a retry check: lanterns on a canal")
    wait_done(page, 2, failed=1)
    failed = card(page, MODELS[3])
    kept = card(page, MODELS[0]).locator("img").get_attribute("src")
    # WHEN its Retry button is pressed
    failed.get_by_role("button", name=f"Retry {MODELS[3]}").click()
    # THEN that model alone runs again, into the same job, and the other keeps its image
    expect(failed).to_have_attribute("data-status", "completed", timeout=JOB_TIMEOUT)
    wait_done(page, 2)
    assert card(page, MODELS[0]).locator("img").get_attribute("src") == kept
    _, _, body = http("GET", f"{api_url}/status/{job_id_of(page)}")
    attempts = {r["model"]: r.get("attempt", 1) for r in body["results"]}
    assert attempts == {MODELS[0]: 1, MODELS[3]: 2}, attempts

    # GIVEN every provider slow, WHEN a run is cancelled, THEN it ends with "cancelled"
    http("POST", f"{simulator}/_control/faults", {"provider": "*", "mode": "latency", "latency": 6})
    generate(page, "a cancel check: a glacier calving")
    cancel = page.get_by_role("button", name="Cancel run")
    expect(cancel).to_be_visible()
    cancel.click()
    expect(page.locator("#run-status")).to_contain_text("Cancelled")
    expect(page.locator("#progress")).to_have_text(re.compile(r"^2 of 2 done · 2 failed"))
    expect(page.locator("#grid .card-error").first).to_have_text("cancelled")
    expect(cancel).to_be_hidden()
    _, _, body = http("GET", f"{api_url}/status/{job_id_of(page)}")
    assert body["status"] == "failed" and body.get("cancelled") is True


def test_viewer_arrow_keys_side_by_side_and_download_all(
    page: Any, web_url: str, simulator: str, tmp_path: Path
) -> None:
    open_page(page, web_url)
    chosen = MODELS[:3]
    choose_models(page, chosen)
    generate(page, "a viewer check: three kites in a gale")
    wait_done(page, 3)
    card(page, chosen[0]).get_by_role("button", name=re.compile("^View")).click()
    dialog = page.get_by_role("dialog")
    heading = dialog.locator("#viewer-model")
    expect(heading).to_have_text(chosen[0])
    # Previous/next with the arrow keys, wrapping around.
    page.keyboard.press("ArrowRight")
    expect(heading).to_have_text(chosen[1])
    expect(dialog.locator("#viewer-position")).to_have_text("2 of 3")
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("ArrowLeft")
    expect(heading).to_have_text(chosen[2])

    # Side by side: two images, one zoom for both.
    dialog.get_by_label("View", exact=True).select_option("side")
    expect(dialog.locator("#viewer-compare img")).to_have_count(2)
    dialog.get_by_label("Compare with").select_option(label=chosen[0])
    expect(dialog.locator("#compare-right")).to_have_attribute(
        "alt", re.compile(f"^{re.escape(chosen[0])}:")
    )
    dialog.get_by_role("button", name="Zoom in").click()
    transforms = dialog.locator("#viewer-compare img").evaluate_all(
        "imgs => imgs.map(i => i.style.transform)"
    )
    assert transforms[0] == transforms[1] and "scale(1.5)" in transforms[0], transforms
    page.keyboard.press("Shift+ArrowLeft")  # panning by keyboard moves both the same way
    transforms = dialog.locator("#viewer-compare img").evaluate_all(
        "imgs => imgs.map(i => i.style.transform)"
    )
    assert transforms[0] == transforms[1] and "translate(26.6" in transforms[0], transforms
    # The swipe slider puts one over the other.
    dialog.get_by_label("View", exact=True).select_option("slider")
    expect(dialog.locator("#compare-slider")).to_be_visible()
    dialog.get_by_role("button", name="Close").click()

    # Download all: a zip with each model's image under its name, and the job as JSON.
    with page.expect_download() as info:
        page.get_by_role("button", name="Download all").click()
    archive = zipfile.ZipFile(info.value.path())
    assert archive.testzip() is None  # every CRC-32 checks out
    names = archive.namelist()
    assert names[-1] == "job.json" and len(names) == 4, names
    for i, model in enumerate(chosen, start=1):
        slug = re.sub(r"[^a-z0-9]+", "-", model.lower()).strip("-")
        (name,) = [n for n in names if n.startswith(f"{i:02d}-{slug}.")]
        data = archive.read(name)
        assert data[:8] == b"\x89PNG\r\n\x1a\n" or data[:3] == b"\xff\xd8\xff", name
    job = json.loads(archive.read("job.json"))
    assert [r["model"] for r in job["results"]] == chosen
    assert job["prompt"] == "a viewer check: three kites in a gale"


def _leaderboard(api_url: str) -> dict[str, dict[str, Any]]:
    status, _, body = http("GET", f"{api_url}/leaderboard")
    assert status == 200, body
    return {row["name"]: row for row in body["models"]}


def test_a_blind_vote_reveals_the_names_and_updates_the_leaderboard(
    chromium: Any, page: Any, web_url: str, api_url: str, simulator: str
) -> None:
    open_page(page, web_url)
    chosen = [MODELS[5], MODELS[6], MODELS[7]]
    choose_models(page, chosen)
    before = _leaderboard(api_url)
    # GIVEN blind mode
    page.get_by_label("Blind mode").check()
    generate(page, "a blind check: a fox in fresh snow")
    expect(page.locator("#grid > li[data-status=completed]")).to_have_count(3, timeout=JOB_TIMEOUT)
    # THEN the cards carry letters, not names
    headings = page.locator("#grid h3").all_inner_texts()
    assert sorted(headings) == ["Image A", "Image B", "Image C"], headings
    assert not any(m in page.locator("#grid").inner_text() for m in chosen)
    # AND the gallery keeps this generation closed: its thumbnails (in slot order) and its
    # detail (with names) would tell which model made which image
    newest = page.locator("#gallery-list > li").first
    expect(newest).to_contain_text("Hidden until you vote (blind mode)")
    expect(newest.locator("img")).to_have_count(0)
    expect(newest.get_by_role("button")).to_be_disabled()
    # AND the viewer's link is the page's, not the generation's (which would show the names)
    chromium.grant_permissions(["clipboard-read", "clipboard-write"])
    page.get_by_role("button", name="View Image A larger").click()
    page.locator("#viewer-copy").click()
    expect(page.locator("#viewer-copied")).to_have_text("Link copied.")
    assert "#/gallery/" not in page.evaluate("navigator.clipboard.readText()")
    page.keyboard.press("Escape")
    # WHEN the first card shown is picked as the best and the vote sent
    first = page.locator("#grid > li").first
    first.get_by_role("button", name="Rank Image A").click()
    page.get_by_role("button", name="Submit vote").click()
    # THEN the names are revealed and the vote is saved
    expect(page.locator("#vote-status")).to_contain_text("Vote saved. Your pick:")
    winner = first.locator("h3").inner_text()
    assert winner in chosen
    expect(page.locator("#vote-status")).to_contain_text(winner)
    # and the gallery lists the generation in full again
    expect(newest).to_contain_text("a blind check: a fox in fresh snow")
    expect(newest.locator(".thumbs img")).to_have_count(3)
    # and the leaderboard on the page counts it
    row = page.locator("#board-body tr").filter(has=page.get_by_role("rowheader", name=winner))
    wins = before.get(winner, {}).get("wins", 0) + 1
    expect(row.locator("td").nth(4)).to_have_text(str(wins))
    # also for the last 24 hours (the period filter asks the API for days=1)
    with page.expect_response(lambda r: "/leaderboard?days=1" in r.url) as answer:
        page.get_by_label("Period").select_option("1")
    assert answer.value.status == 200
    expect(row.locator("td").nth(4)).to_have_text(str(wins))
    # as does the API's
    after = _leaderboard(api_url)
    assert after[winner]["wins"] == wins
    assert all(after[m]["votes"] == before.get(m, {}).get("votes", 0) + 1 for m in chosen)

    # The same through the API: a second job, voted by POST, is in the table and the exports.
    ids = [i for i, m in enumerate(MODELS, start=1) if m in chosen]
    status, _, accepted = http(
        "POST", f"{api_url}/generate", {"prompt": "an API vote", "models": ids}
    )
    assert status == 202, accepted
    job = accepted["jobId"]
    _wait_terminal(api_url, job)
    status, _, vote = http("POST", f"{api_url}/jobs/{job}/vote", {"best": ids[-1]})
    assert status == 201, vote
    assert vote["revealed"] == [{"index": ids[-1], "model": chosen[-1]}]
    assert _leaderboard(api_url)[chosen[-1]]["votes"] == after[chosen[-1]]["votes"] + 1
    with urllib.request.urlopen(f"{api_url}/votes?format=csv", timeout=10) as response:
        assert job in response.read().decode()
    # The page exports the same votes.
    with page.expect_download() as info:
        page.get_by_role("button", name="Export JSON").click()
    exported = json.loads(Path(info.value.path()).read_text())
    assert job in [v["jobId"] for v in exported["votes"]]


def _wait_terminal(api_url: str, job: str) -> dict[str, Any]:
    since = ""
    for _ in range(60):  # bounded: long-polls of up to 5 s each
        _, _, body = http(
            "GET", f"{api_url}/status/{job}?wait=5" + (f"&since={since}" if since else "")
        )
        if body["status"] in ("completed", "partial", "failed"):
            return body
        since = body["updatedAt"]
    raise AssertionError(f"job {job} never finished")


def test_gallery_pages_past_50_shows_failures_and_opens_from_a_share_link(
    chromium: Any, page: Any, web_url: str, api_url: str, simulator: str
) -> None:
    # GIVEN 51 one-model generations made through the API (the simulator answering at once),
    # the newest with a failed model
    _, _, latency = http("GET", f"{simulator}/_control/latency")
    http("POST", f"{simulator}/_control/latency", {"seconds": 0})
    try:
        jobs = []
        for n in range(51):
            status, _, body = http(
                "POST", f"{api_url}/generate", {"prompt": f"gallery page {n}", "models": [1]}
            )
            assert status == 202, body
            jobs.append(body["jobId"])
        for job in jobs:
            _wait_terminal(api_url, job)
    finally:
        http("POST", f"{simulator}/_control/latency", {"seconds": latency["seconds"]})
    http("POST", f"{simulator}/_control/faults", {"provider": "bfl", "mode": "moderation"})
    status, _, accepted = http(
        "POST", f"{api_url}/generate", {"prompt": "gallery share check", "models": [1, 2]}
    )
    _wait_terminal(api_url, accepted["jobId"])
    gallery_id = accepted["galleryId"]

    # WHEN the page lists them: the first 50, then "Load more"
    open_page(page, web_url)
    entries = page.locator("#gallery-list > li")
    expect(entries).to_have_count(50)
    first = entries.first
    expect(first).to_contain_text("gallery share check")
    expect(first.locator(".thumbs img")).to_have_count(1)
    expect(first).to_contain_text("1 image · 1 failed")
    page.get_by_role("button", name="Load more").click()
    expect(entries).not_to_have_count(50)
    assert entries.count() > 50

    # The detail shows the failed model with its error, and has a share link.
    first.get_by_role("button").click()
    failed = page.locator("#gallery-failed > li")
    expect(failed).to_have_count(1)
    expect(failed).to_contain_text(MODELS[1])
    chromium.grant_permissions(["clipboard-read", "clipboard-write"])
    page.get_by_role("button", name="Copy share link").click()
    expect(page.locator("#gallery-share-status")).to_have_text("Link copied.")
    link = page.evaluate("navigator.clipboard.readText()")
    assert link == f"{web_url}#/gallery/{gallery_id}", link

    # A share link opens the page on that generation.
    shared = chromium.new_page()
    try:
        shared.goto(link)
        detail = shared.locator("#gallery-detail")
        expect(detail).to_be_visible()
        expect(shared.locator("#gallery-detail-prompt")).to_have_text("gallery share check")
        expect(shared.locator("#gallery-images img")).to_have_count(1)
        expect(shared.locator("#gallery-failed > li")).to_contain_text(MODELS[1])
    finally:
        shared.close()


def test_phone_layout_two_columns_big_tap_targets_and_swipes(
    page: Any, web_url: str, simulator: str, screenshot_dir: Path
) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    open_page(page, web_url)
    chosen = MODELS[:4]
    choose_models(page, chosen)
    generate(page, "a phone check: rain on a tin roof")
    wait_done(page, 4)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    boxes = [c.bounding_box() for c in page.locator("#grid > li").all()]
    assert len({round(b["x"]) for b in boxes}) == 2, boxes  # two images per row
    small = page.evaluate(
        """() => [...document.querySelectorAll('button, a[href], input, select, summary')]
              .filter(e => e.checkVisibility() && !e.closest('.visually-hidden, .skip-link'))
              .map(e => (e.type === 'checkbox' && e.labels.length) ? e.labels[0] : e)
              .filter(e => { const r = e.getBoundingClientRect();
                             return r.height < 44 || r.width < 44; })
              .map(e => e.outerHTML.slice(0, 120))"""
    )
    assert small == [], small
    page.screenshot(path=str(screenshot_dir / "phone-arena.png"), full_page=True)
    # The viewer steps with a swipe.
    card(page, chosen[0]).get_by_role("button", name=re.compile("^View")).click()
    stage = page.locator("#viewer-single")
    box = stage.bounding_box()
    y = box["y"] + box["height"] / 2
    page.mouse.move(box["x"] + box["width"] * 0.8, y)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.2, y, steps=5)
    page.mouse.up()
    expect(page.locator("#viewer-model")).to_have_text(chosen[1])
