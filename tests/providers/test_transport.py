"""The shared HTTP helper's pieces: Retry-After parsing, backoff bounds, key scrubbing."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
from pixelprompt.providers import ProviderError, transport
from pixelprompt.providers.images import sniff
from pixelprompt.providers.transport import Caller, parse_retry_after, scrub

from local.simulator import ProviderSimulator
from tests.providers.helpers import CASES, HTTP_PROVIDERS, run


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


@pytest.fixture(params=[0.05, 30.0], ids=["trickle", "stall"])
def trickler(request: pytest.FixtureRequest) -> Iterator[str]:
    """A loopback server that promises 1000 bytes and sends one every `param` seconds."""
    pause = request.param
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(5)
    stop = threading.Event()

    def serve() -> None:
        with contextlib.suppress(OSError):
            connection, _ = listener.accept()
            with connection:
                connection.recv(65536)
                connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n")
                for _ in range(1000):
                    if stop.wait(pause):
                        break
                    connection.sendall(b"x")

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}/slow"
    stop.set()
    listener.close()
    thread.join(timeout=5)


def test_a_body_that_trickles_or_stalls_past_the_deadline_times_out(
    trickler: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN every socket wait the body read sets, recorded
    limits: list[float] = []
    real = transport._limit_socket
    monkeypatch.setattr(
        transport,
        "_limit_socket",
        lambda raw, seconds: limits.append(seconds) or real(raw, seconds),
    )
    started = time.monotonic()
    with pytest.raises(ProviderError) as caught:
        transport.send("GET", trickler, who=Caller("BFL"), deadline=started + 0.5, attempts=1)
    # THEN it timed out, and no wait it set reached past the deadline
    assert caught.value.code == ProviderError.TIMEOUT
    assert limits and all(0 < seconds <= 0.5 for seconds in limits), limits


def test_a_runaway_body_is_cut_off(sim: ProviderSimulator, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(transport, "MAX_BODY", 1000)
    with pytest.raises(ProviderError) as caught:
        run(CASES["openai"])
    assert caught.value.code == ProviderError.BAD_RESPONSE
    assert "more than" in caught.value.message


def test_connection_failures_are_retried_then_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(transport, "BACKOFF_BASE", 0.01)
    closed = socket.create_server(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()  # nothing listens here now: every connect is refused
    with pytest.raises(ProviderError) as caught:
        transport.send(
            "GET", f"http://127.0.0.1:{port}/", who=Caller("Recraft"), deadline=time.monotonic() + 5
        )
    assert caught.value.code == ProviderError.UPSTREAM
    assert (
        caught.value.message
        == "the connection to Recraft failed (ConnectionError); gave up after 4 attempts"
    )


# A key as it may sit in a secret written by hand: a line break inside it, or a header
# injection. requests refuses the header with InvalidHeader, whose text quotes the value.
CANARY_KEYS = [
    "sk-CANARY-9f1c2e\nX-Injected: 1",
    "sk-CANARY-4b7d0a\r\nmore",
]


@pytest.mark.parametrize("provider", HTTP_PROVIDERS)
@pytest.mark.parametrize("key", CANARY_KEYS)
def test_a_key_no_header_can_carry_never_reaches_the_error_or_a_log(
    sim: ProviderSimulator, provider: str, key: str, caplog: pytest.LogCaptureFixture
) -> None:
    import logging
    import traceback

    from pixelprompt.providers import GenerationRequest, generate

    caplog.set_level(logging.DEBUG)
    with pytest.raises(ProviderError) as raised:
        generate(
            CASES[provider].spec,
            key,
            GenerationRequest(prompt="a lighthouse"),
            time.monotonic() + 10,
            key_label="Model4Key",
        )
    error = raised.value
    shown = " ".join([error.message, str(error), *traceback.format_exception(error), caplog.text])
    assert "CANARY" not in shown, shown
    assert error.code == ProviderError.AUTH and "Model4Key" in error.message
    assert "InvalidHeader" in error.message
    assert sim.requests == []  # refused before anything was sent


def test_requests_own_invalid_header_text_does_quote_the_key() -> None:
    """Why the scrub exists: without it the message above would carry the key."""
    import requests

    with pytest.raises(requests.exceptions.InvalidHeader) as raised:
        requests.Request(
            "GET", "http://127.0.0.1:9/", headers={"Authorization": "Bearer sk-CANARY\nx"}
        ).prepare()
    assert "CANARY" in str(raised.value)
