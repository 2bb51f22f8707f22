"""The shared HTTP helper's pieces: Retry-After parsing, backoff bounds, key scrubbing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
from pixelprompt.providers import transport
from pixelprompt.providers.images import sniff
from pixelprompt.providers.transport import Caller, parse_retry_after, scrub


@pytest.mark.parametrize(("value", "expected"), [("3", 3.0), ("0.5", 0.5), (" 7 ", 7.0)])
def test_retry_after_in_seconds(value: str, expected: float) -> None:
    assert parse_retry_after(value) == expected


def test_retry_after_as_an_http_date() -> None:
    when = datetime.now(UTC) + timedelta(seconds=30)
    assert 25 <= (parse_retry_after(format_datetime(when, usegmt=True)) or 0) <= 30


def test_retry_after_in_the_past_means_now_and_garbage_means_unknown() -> None:
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0
    assert parse_retry_after("soon") is None


def test_backoff_is_full_jitter_under_an_exponential_cap() -> None:
    for attempt in range(8):
        cap = min(transport.BACKOFF_CAP, transport.BACKOFF_BASE * 2**attempt)
        samples = [transport.backoff(attempt) for _ in range(200)]
        assert all(0 <= s <= cap for s in samples)
        assert max(samples) > cap / 2  # jitter spreads over the whole range


def test_the_key_is_scrubbed_from_provider_messages() -> None:
    who = Caller("OpenAI", secret="sk-live-abcdef123456")
    assert scrub("bad key sk-live-abcdef123456 given", who) == "bad key *** given"


def test_each_thread_gets_its_own_session() -> None:
    import threading

    sessions = []
    thread = threading.Thread(target=lambda: sessions.append(transport.session()))
    thread.start()
    thread.join()
    assert sessions[0] is not transport.session()
    assert transport.session() is transport.session()


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (b"\x89PNG\r\n\x1a\n....", "image/png"),
        (b"\xff\xd8\xff\xe0....", "image/jpeg"),
        (b"RIFF\x00\x00\x00\x00WEBPVP8 ", "image/webp"),
        (b"<html>", None),
    ],
)
def test_image_types_are_recognised_by_their_bytes(data: bytes, kind: str | None) -> None:
    assert sniff(data) == kind
