"""The page in headless chromium against the fake API (tests/web/fakeapi.py)."""

from __future__ import annotations

import itertools
import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.web.fakeapi import DEFAULT_MODELS, FakeApi, FakeModel, StaticSite

pytestmark = pytest.mark.browser

PROMPT = "A lighthouse on a basalt cliff at dusk, storm clouds rolling in, oil painting"
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
N = len(DEFAULT_MODELS)


def open_page(page: Any, site: StaticSite) -> None:
    page.goto(site.url)
    expect(page.locator("body")).to_have_attribute("data-ready", "true")


def generate(page: Any, prompt: str = PROMPT) -> None:
    page.get_by_label("Prompt", exact=True).fill(prompt)
    page.get_by_role("button", name="Generate").click()


def wait_for_images(page: Any, count: int) -> None:
    page.wait_for_function(
        """n => { const imgs = [...document.querySelectorAll('#grid img')];
                  return imgs.length === n
                         && imgs.every(i => i.complete && i.naturalWidth > 0); }""",
        arg=count,
    )


def card(page: Any, model: str) -> Any:
    return page.locator("#grid > li").filter(
        has=page.get_by_role("heading", name=model, exact=True)
    )


def test_generate_shows_an_image_in_every_card(
    page: Any, site: StaticSite, api: FakeApi, screenshot_dir: Path
) -> None:
    open_page(page, site)
    generate(page)

    expect(page.locator("#progress")).to_have_text(re.compile(rf"^{N} of {N} done · "))
    expect(page.locator("#grid > li")).to_have_count(N)
    wait_for_images(page, N)
    for model in DEFAULT_MODELS:
        c = card(page, model.name)
        expect(c).to_have_attribute("data-status", "completed")
        expect(c).to_have_attribute("aria-busy", "false")
        expect(c.get_by_role("img")).to_have_attribute("alt", f"{model.name}: {PROMPT}")
        expect(c).to_contain_text(f"{model.seconds:.1f} s")
        expect(c).to_contain_text(model.provider)

    # Every API call carries JSON's content type and its own correlation id, like the original
    # client; images and CORS preflights are the browser's business.
    calls = [r for r in api.requests if r.method != "OPTIONS" and not r.path.startswith("/images/")]
    assert {r.path.split("/")[1] for r in calls} >= {"generate", "status", "gallery"}
    ids = []
    for r in calls:
        headers = {k.lower(): v for k, v in r.headers.items()}
        assert headers.get("content-type") == "application/json", r
        assert UUID.match(headers.get("x-correlation-id", "")), r
        ids.append(headers["x-correlation-id"])
    assert len(set(ids)) == len(ids)
    assert len(api.calls("POST", "/generate")) == 1

    # The gallery refreshes after the job; the screenshot shows the finished page.
    expect(page.locator("#gallery-list > li")).to_have_count(1)
    page.wait_for_function(
        "() => [...document.querySelectorAll('.thumb img')].every(i => i.naturalWidth > 0)"
    )
    page.mouse.move(0, 0)
    shot = screenshot_dir / "after-generation.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 50_000


def test_ctrl_enter_generates_and_the_keyboard_alone_reaches_the_viewer(
    page: Any, site: StaticSite, api: FakeApi
) -> None:
    open_page(page, site)
    # Tab from the top: the skip link, then the prompt box.
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "prompt"
    page.keyboard.type("a red fox in fresh snow")
    page.keyboard.press("Control+Enter")
    expect(page.locator("#progress")).to_have_text(re.compile(rf"^{N} of {N} done"))
    assert len(api.calls("POST", "/generate")) == 1

    # Tab on to the first image and open it with Enter; Escape closes and gives focus back.
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.classList.contains('image-button')"):
            break
    else:
        pytest.fail("Tab never reached an image")
    focused_model = page.evaluate(
        "document.activeElement.closest('li').querySelector('h3').textContent"
    )
    page.keyboard.press("Enter")
    dialog = page.locator("#viewer")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_role("heading")).to_have_text(focused_model)
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    assert page.evaluate("document.activeElement.classList.contains('image-button')")

    # Cmd+Enter (macOS) generates too.
    page.get_by_label("Prompt", exact=True).focus()
    page.keyboard.press("Meta+Enter")
    expect(page.locator("#progress")).to_have_text(re.compile(rf"^\d+ of {N} done$"))
    assert len(api.calls("POST", "/generate")) == 2


def test_enhance_replaces_the_prompt_and_undo_puts_it_back(
    page: Any, site: StaticSite, api: FakeApi
) -> None:
    open_page(page, site)
    box = page.get_by_label("Prompt", exact=True)
    box.fill("a cat")
    expect(page.locator("#prompt-count")).to_have_text("5 / 1000")
    undo = page.get_by_role("button", name="Undo")
    expect(undo).to_be_hidden()

    page.get_by_role("button", name="Enhance").click()
    enhanced = "a cat" + api.enhance_suffix
    expect(box).to_have_value(enhanced)
    expect(page.locator("#prompt-count")).to_have_text(f"{len(enhanced)} / 1000")
    expect(undo).to_be_visible()

    undo.click()
    expect(box).to_have_value("a cat")
    expect(undo).to_be_hidden()
    expect(page.locator("#prompt-count")).to_have_text("5 / 1000")
    assert len(api.calls("POST", "/enhance")) == 1


def test_a_failing_model_shows_its_error_while_the_others_show_images(
    page: Any, site: StaticSite, api: FakeApi
) -> None:
    refusal = "Stability AI refused the prompt: content moderation (HTTP 403)."
    api.reset([*DEFAULT_MODELS[:3], FakeModel("stability/sd3.5-large", "stability", 0.8, refusal)])
    open_page(page, site)
    generate(page)

    expect(page.locator("#progress")).to_have_text(re.compile(r"^4 of 4 done · 1 failed · "))
    failed = card(page, "stability/sd3.5-large")
    expect(failed).to_have_attribute("data-status", "error")
    expect(failed.locator(".card-error")).to_have_text(refusal)
    expect(failed.get_by_role("img")).to_have_count(0)
    wait_for_images(page, 3)
    for model in DEFAULT_MODELS[:3]:
        expect(card(page, model.name)).to_have_attribute("data-status", "completed")
    # A partial job is not a page-level error.
    expect(page.locator("#message")).to_be_hidden()


def test_a_429_is_shown_in_the_apis_words_with_its_wait(
    page: Any, site: StaticSite, api: FakeApi
) -> None:
    open_page(page, site)
    api.rate_limit_seconds = 42
    generate(page)
    message = page.locator("#message")
    expect(message).to_have_text(
        "Too many requests from your address: the limit is 5 generations per hour. "
        "Try again in 42 s."
    )
    expect(message).to_have_attribute("role", "alert")
    expect(message).to_have_attribute("data-retry-after", "42")
    expect(page.locator("#grid > li")).to_have_count(0)

    # The next attempt goes through and clears the message.
    generate(page)
    expect(message).to_be_hidden()
    expect(page.locator("#progress")).to_have_text(re.compile(rf"^{N} of {N} done"))


def test_without_exposed_retry_after_the_sentence_still_shows(
    page: Any, site: StaticSite, api: FakeApi
) -> None:
    # Cross-origin, the browser hides Retry-After unless the API lists it in
    # Access-Control-Expose-Headers; the API's own sentence must still come through.
    api.expose_retry_after = False
    api.rate_limit_seconds = 42
    open_page(page, site)
    generate(page)
    expect(page.locator("#message")).to_have_text(
        "Too many requests from your address: the limit is 5 generations per hour."
    )
    expect(page.locator("#message")).not_to_have_attribute("data-retry-after", re.compile("."))


def test_a_400_is_shown_in_the_apis_words(page: Any, site: StaticSite, api: FakeApi) -> None:
    open_page(page, site)
    generate(page, "x" * 1001)
    expect(page.locator("#prompt-count")).to_have_text("1001 / 1000")
    expect(page.locator("#prompt-count")).to_have_class(re.compile(r"\bover\b"))
    expect(page.get_by_label("Prompt", exact=True)).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#message")).to_have_text(
        "The prompt is 1001 characters long; the limit is 1000."
    )

    # An empty prompt never reaches the API.
    before = len(api.calls("POST", "/generate"))
    generate(page, "   ")
    expect(page.locator("#message")).to_have_text("Type a prompt first.")
    assert len(api.calls("POST", "/generate")) == before


def test_the_gallery_lists_the_generation_just_made(
    page: Any, site: StaticSite, api: FakeApi
) -> None:
    open_page(page, site)
    expect(page.locator("#gallery-status")).to_have_text(re.compile("Nothing yet"))
    generate(page)
    expect(page.locator("#progress")).to_have_text(re.compile(rf"^{N} of {N} done"))

    entries = page.locator("#gallery-list > li")
    expect(entries).to_have_count(1)
    expect(entries.first).to_contain_text(f"{N} images")
    expect(page.locator("#gallery-status")).to_be_hidden()
    entries.first.get_by_role("button").click()

    images = page.locator("#gallery-images img")
    expect(images).to_have_count(N)
    for i in range(N):
        expect(images.nth(i)).to_have_attribute("alt", re.compile(re.escape(f": {PROMPT}") + "$"))
    expect(page.locator("#gallery-detail-title")).to_be_focused()
    expect(page.locator("#gallery-detail-prompt")).to_have_text(PROMPT)
    images.first.click()
    expect(page.locator("#viewer-prompt")).to_have_text(PROMPT)
    page.keyboard.press("Escape")
    page.get_by_role("button", name="Close").click()
    expect(page.locator("#gallery-detail")).to_be_hidden()
    assert len(api.calls("GET", "/gallery/list")) >= 2  # once at start, once after the job


def test_the_viewer_shows_the_details_and_downloads_the_image(
    page: Any, site: StaticSite, api: FakeApi
) -> None:
    open_page(page, site)
    generate(page)
    wait_for_images(page, N)
    model = DEFAULT_MODELS[2]
    card(page, model.name).get_by_role("button").click()

    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_role("heading")).to_have_text(model.name)
    expect(dialog.locator("#viewer-duration")).to_have_text(
        f"Took {model.seconds:.1f} s · ~$0.040 est."
    )
    expect(dialog.locator("#viewer-prompt")).to_have_text(PROMPT)
    expect(dialog.get_by_role("img")).to_have_attribute("alt", f"{model.name}: {PROMPT}")
    link = dialog.get_by_role("link", name=f"Download the {model.name} image")
    expect(link).to_have_attribute("download", re.compile(r"^flux-pro-1-1-ultra-.+\.png$"))

    # The image is on the API's origin, not the page's: the link must fetch it as a blob.
    with page.expect_download() as info:
        link.click()
    download = info.value
    assert download.suggested_filename.endswith(".png")
    assert Path(download.path()).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    dialog.get_by_role("button", name="Close").click()
    expect(dialog).to_be_hidden()
    expect(card(page, model.name).get_by_role("button")).to_be_focused()


def _hide(page: Any, hidden: bool) -> None:
    # Headless chromium has no real tab switch; shadow the getter and fire the event.
    page.evaluate(
        """hidden => {
            Object.defineProperty(document, 'visibilityState',
                { configurable: true, get: () => hidden ? 'hidden' : 'visible' });
            document.dispatchEvent(new Event('visibilitychange'));
        }""",
        hidden,
    )


def test_the_schedule_backs_off_pauses_while_hidden_and_stops_when_done(
    page: Any, site: StaticSite, api: FakeApi
) -> None:
    # The fallback for an API that does not long-poll, forced here with ?poll=schedule.
    api.reset([FakeModel("slow/model", "openai", 3.5), FakeModel("fast/model", "bfl", 0.5)])
    page.goto(site.url + "?poll=schedule")
    expect(page.locator("body")).to_have_attribute("data-ready", "true")
    generate(page)
    page.wait_for_timeout(2300)
    polls = api.calls("GET", "/status/")
    gaps = [b.at - a.at for a, b in itertools.pairwise(polls)]
    assert len(polls) >= 3, polls
    assert gaps[0] >= 0.45
    # Each wait is at least as long as the one before (within timer jitter).
    assert all(b >= a - 0.15 for a, b in itertools.pairwise(gaps)), gaps
    assert not any("wait=" in p.path for p in polls)

    slow = card(page, "slow/model")
    expect(slow).to_have_attribute("aria-busy", "true")
    expect(slow.locator(".spinner")).to_have_count(1)
    expect(slow).to_contain_text("Working…")

    _hide(page, True)
    hidden_at = len(api.calls("GET", "/status/"))
    page.wait_for_timeout(1800)  # the job finishes meanwhile, unseen
    assert len(api.calls("GET", "/status/")) == hidden_at
    expect(page.locator("#progress")).to_have_text(re.compile("^1 of 2 done"))

    _hide(page, False)  # back on screen: one look at once shows the finished job
    expect(page.locator("#progress")).to_have_text(re.compile(r"^2 of 2 done"))
    done_at = len(api.calls("GET", "/status/"))
    page.wait_for_timeout(1500)
    assert len(api.calls("GET", "/status/")) == done_at


def test_long_polling_asks_with_since_and_stays_near_one_request_a_second(
    page: Any, site: StaticSite, api: FakeApi
) -> None:
    # GIVEN a job whose record changes five times in 3.5 s
    api.reset([FakeModel("slow/model", "openai", 3.5), FakeModel("fast/model", "bfl", 0.5)])
    open_page(page, site)
    generate(page)
    # WHEN the page follows it to the end
    expect(page.locator("#progress")).to_have_text(re.compile(r"^2 of 2 done"), timeout=8000)
    polls = api.calls("GET", "/status/")
    # THEN every request long-polls from the record last seen (the first from createdAt)
    assert all("wait=10" in p.path and "since=" in p.path for p in polls), polls
    # and the token bucket holds it to about one request a second (plus a burst of one)
    span = polls[-1].at - polls[0].at
    assert len(polls) <= 2 + span, [round(p.at - polls[0].at, 2) for p in polls]
    done_at = len(polls)
    page.wait_for_timeout(1200)
    assert len(api.calls("GET", "/status/")) == done_at


def test_phone_width_has_two_columns_big_tap_targets_and_no_sideways_scroll(
    page: Any, site: StaticSite, api: FakeApi, screenshot_dir: Path
) -> None:
    page.set_viewport_size({"width": 360, "height": 780})
    api.reset(DEFAULT_MODELS[:3])
    site.config["models"] = [m.name for m in DEFAULT_MODELS[:3]]
    open_page(page, site)
    generate(page)
    wait_for_images(page, 3)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    boxes = [c.bounding_box() for c in page.locator("#grid > li").all()]
    assert len({round(b["x"]) for b in boxes}) == 2, boxes
    assert all(b["width"] <= 170 for b in boxes)
    assert small_tap_targets(page) == []
    page.locator("#model-picker summary").click()  # the picker open, with its "sent" hints
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert small_tap_targets(page) == []
    page.screenshot(path=str(screenshot_dir / "phone.png"), full_page=True)


def small_tap_targets(page: Any) -> list[str]:
    """Visible controls (or, for a checkbox, its label) less than 44 px high or wide."""
    return page.evaluate(
        """() => [...document.querySelectorAll('button, a[href], input, select, summary')]
              .filter(e => e.checkVisibility() && !e.closest('.visually-hidden, .skip-link'))
              .map(e => (e.type === 'checkbox' && e.labels.length) ? e.labels[0] : e)
              .filter(e => { const r = e.getBoundingClientRect();
                             return r.height < 44 || r.width < 44; })
              .map(e => e.outerHTML.slice(0, 120))"""
    )


def test_models_from_config_show_before_the_first_job(
    page: Any, site: StaticSite, api: FakeApi
) -> None:
    site.config["models"] = ["Model One", {"name": "Model Two", "provider": "bfl"}]
    open_page(page, site)
    cards = page.locator("#grid > li")
    expect(cards).to_have_count(2)
    expect(cards.nth(0)).to_contain_text("Model One")
    expect(cards.nth(1)).to_contain_text("bfl")
    expect(cards.nth(1)).to_contain_text("Ready")
    expect(page.locator("#results-empty")).to_be_hidden()


def test_every_control_has_a_name_and_every_image_alt_text(
    page: Any, site: StaticSite, api: FakeApi
) -> None:
    open_page(page, site)
    generate(page)
    wait_for_images(page, N)
    expect(page.locator("#gallery-list > li")).to_have_count(1)
    unnamed = page.evaluate(
        """() => [...document.querySelectorAll('button, a, textarea, input, select')]
              .filter(e => e.checkVisibility())
              .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label')
                           && !e.textContent.trim())
              .map(e => e.outerHTML)"""
    )
    assert unnamed == []
    # The viewer's compare controls too.
    card(page, DEFAULT_MODELS[0].name).get_by_role("button").click()
    page.get_by_label("View", exact=True).select_option("side")
    unnamed = page.evaluate(
        """() => [...document.querySelectorAll('#viewer button, #viewer a, #viewer select,'
                                               + ' #viewer input')]
              .filter(e => e.checkVisibility())
              .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label')
                           && !e.textContent.trim())
              .map(e => e.outerHTML)"""
    )
    assert unnamed == []
    page.keyboard.press("Escape")
    no_alt = page.evaluate(
        "() => [...document.querySelectorAll('img')].filter(i => !i.hasAttribute('alt'))"
        ".map(i => i.outerHTML)"
    )
    assert no_alt == []
    # API text never becomes markup.
    assert page.evaluate("document.querySelectorAll('#grid script, #grid iframe').length") == 0


def test_api_text_is_inserted_as_text_not_markup(page: Any, site: StaticSite, api: FakeApi) -> None:
    hostile = '<img src=x onerror="window.__pwned=1">Boom'
    api.reset([FakeModel(hostile, "openai", 0.3, error=hostile)])
    open_page(page, site)
    generate(page, hostile)
    expect(page.locator("#grid .card-error")).to_have_text(hostile)
    expect(page.locator("#grid h3")).to_have_text(hostile)
    assert page.evaluate("window.__pwned") is None
    assert page.evaluate("document.querySelectorAll('#grid img').length") == 0


def test_dark_colour_scheme_and_the_viewer_fit_the_screen(
    page: Any, site: StaticSite, api: FakeApi, screenshot_dir: Path
) -> None:
    page.emulate_media(color_scheme="dark")
    api.reset(DEFAULT_MODELS[:4])
    open_page(page, site)
    generate(page)
    wait_for_images(page, 4)
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    text = page.evaluate("getComputedStyle(document.body).color")
    assert background == "rgb(15, 17, 23)" and text == "rgb(236, 238, 244)"
    page.screenshot(path=str(screenshot_dir / "dark.png"), full_page=True)

    card(page, DEFAULT_MODELS[0].name).get_by_role("button").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    page.wait_for_function("() => document.querySelector('#viewer-image').naturalWidth > 0")
    box = dialog.bounding_box()
    viewport = page.viewport_size
    assert box["width"] <= viewport["width"] and box["height"] <= viewport["height"]
    page.screenshot(path=str(screenshot_dir / "viewer.png"))


def test_module_helpers_parse_retry_after_and_count_progress(page: Any, site: StaticSite) -> None:
    open_page(page, site)
    got = page.evaluate(
        """async () => {
            const api = await import('./assets/api.js');
            const grid = await import('./assets/grid.js');
            const now = Date.parse('Wed, 25 Nov 2026 20:00:00 GMT');
            const err = new api.ApiError('Slow down', {status: 429, retryAfter: 7});
            const worded = new api.ApiError('Limit reached; try again in 2 hours.',
                                            {status: 429, retryAfter: 7200});
            return {
                seconds: api.parseRetryAfter('12'),
                date: api.parseRetryAfter('Wed, 25 Nov 2026 20:01:30 GMT', now),
                past: api.parseRetryAfter('Wed, 25 Nov 2026 19:00:00 GMT', now),
                junk: api.parseRetryAfter('soon'),
                text: api.describeError(err),
                worded: api.describeError(worded),
                waits: [59, 600, 86400].map(api.formatWait),
                uuid: api.uuid(),
                progress: grid.progressOf({totalModels: 3, results: [
                    {status: 'completed'}, {status: 'error'}, {status: 'in_progress'}]}),
                minutes: grid.formatDuration(75),
            };
        }"""
    )
    assert got["seconds"] == 12 and got["date"] == 90 and got["past"] == 0
    assert got["junk"] is None
    assert got["text"] == "Slow down. Try again in 7 s."
    assert got["worded"] == "Limit reached; try again in 2 hours."  # said once, not twice
    assert got["waits"] == ["59 s", "10 min", "24 h"]
    assert UUID.match(got["uuid"])
    assert got["progress"] == {"total": 3, "done": 2, "succeeded": 1, "failed": 1, "cost": None}
    assert got["minutes"] == "1 min 15 s"


def test_cards_show_cost_what_was_sent_and_notes_and_the_job_total(
    page: Any, site: StaticSite, api: FakeApi
) -> None:
    api.reset([FakeModel("openai/gpt-image-2", "openai", 0.3), FakeModel("r", "recraft", 0.3)])
    open_page(page, site)
    page.get_by_label("Aspect ratio").select_option("16:9")
    page.get_by_label("Seed").fill("42")
    generate(page)
    wait_for_images(page, 2)
    first, second = page.locator("#grid > li").all()
    expect(first.locator(".cost")).to_have_text("~$0.040 est.")
    expect(first.locator(".facts")).to_have_text(
        "Sent 1280\u00d7720 · seed 42 → Got 1280\u00d7720 · seed 42"
    )
    expect(second.locator(".notes")).to_have_text(
        "Recraft's API takes no seed, so the seed was not sent"
    )
    expect(page.locator("#progress")).to_contain_text("~$0.080 est.")
    body = [r for r in api.calls("POST", "/generate")]
    assert len(body) == 1


def test_zip_writer_crc_matches_zlib_and_python_reads_the_archive(
    page: Any, site: StaticSite, tmp_path: Path
) -> None:
    import base64
    import io
    import zipfile
    import zlib

    open_page(page, site)
    got = page.evaluate(
        """async () => {
            const zip = await import('./assets/zip.js');
            const data = new TextEncoder().encode('pixel prompt');
            const blob = zip.makeZip([{name: 'a.txt', data}, {name: 'ü/b.bin',
                                        data: new Uint8Array([0, 255, 7])}]);
            const bytes = new Uint8Array(await blob.arrayBuffer());
            return {crc: zip.crc32(data), zip: btoa(String.fromCharCode(...bytes)),
                    names: zip.uniqueNames(['a.png', 'a.png', 'b'])};
        }"""
    )
    assert got["crc"] == zlib.crc32(b"pixel prompt")
    archive = zipfile.ZipFile(io.BytesIO(base64.b64decode(got["zip"])))
    assert archive.testzip() is None
    assert archive.namelist() == ["a.txt", "ü/b.bin"]
    assert archive.read("ü/b.bin") == bytes([0, 255, 7])
    assert got["names"] == ["a.png", "a-2.png", "b"]


def test_the_original_clients_field_names_are_enough(
    page: Any, site: StaticSite, api: FakeApi
) -> None:
    # GIVEN an API that answers only with the aliases: results[].url, long_prompt/short_prompt
    api.reset(DEFAULT_MODELS[:2])
    api.aliases_only = True
    open_page(page, site)
    # THEN enhance takes long_prompt, and each card shows the image from `url`
    page.get_by_label("Prompt", exact=True).fill("a cat on a windowsill")
    page.get_by_role("button", name="Enhance").click()
    expect(page.get_by_label("Prompt", exact=True)).to_have_value(
        "a cat on a windowsill" + api.enhance_suffix
    )
    page.get_by_role("button", name="Generate").click()
    wait_for_images(page, 2)


def test_a_failed_card_shows_its_sentence_or_the_one_for_its_code(
    page: Any, site: StaticSite
) -> None:
    open_page(page, site)
    got = page.evaluate(
        """async () => {
            const grid = await import('./assets/grid.js');
            const list = document.createElement('ul');
            document.body.append(list);
            const g = grid.createGrid(list, {onOpen: () => {}});
            g.update({results: [
                {index: 1, model: 'a', status: 'error', errorCode: 'STORAGE_FAILED', error: null},
                {index: 2, model: 'b', status: 'error', errorCode: 'AUTH', error: 'Key refused.'},
            ]});
            const cards = [...list.querySelectorAll('li')];
            return {
                texts: cards.map((c) => c.querySelector('.card-error').textContent),
                codes: cards.map((c) => c.dataset.errorCode),
                sentences: grid.ERROR_SENTENCES,
            };
        }"""
    )
    from pixelprompt import resultcodes

    assert got["texts"] == [resultcodes.SENTENCES["STORAGE_FAILED"], "Key refused."]
    assert got["codes"] == ["STORAGE_FAILED", "AUTH"]
    assert got["sentences"] == resultcodes.SENTENCES  # the page and the API share one list
