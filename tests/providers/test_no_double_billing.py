"""A paid submission is sent once unless it surely was not processed.

The simulator's drop-after-accept fault serves the request (a BFL task is created, an image is
drawn and would be billed) and closes the connection without the answer: exactly the case in
which a client that re-sends pays twice.
"""

from __future__ import annotations

import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests
from pixelprompt.providers import (
    ProviderError,
    bedrock,
    bfl,
    gemini,
    openai_api,
    recraft,
    transport,
)
from pixelprompt.providers.transport import IDEMPOTENT, PAID, Caller, RetryPolicy

from local.simulator import ProviderSimulator
from tests.providers.helpers import CASES, PROVIDER_IDS, calls, run

# After an HTTP 500, which vendors' own code sends the request again (see each adapter's RETRY):
# openai-python retries every 5xx, google-genai lists 500 as retryable, botocore's standard mode
# retries InternalServerException; BFL, Stability and Recraft document no retryable 5xx.
RESENT_AFTER_500 = {
    "openai": True,
    "google": True,
    "bedrock": True,
    "bfl": False,
    "stability": False,
    "recraft": False,
}


@pytest.mark.parametrize("provider", PROVIDER_IDS)
def test_a_reply_dropped_after_the_provider_accepted_is_submitted_once(
    sim: ProviderSimulator, provider: str
) -> None:
    case = CASES[provider]
    sim.set_fault(provider, "drop-after-accept")
    with pytest.raises(ProviderError) as caught:
        run(case)
    assert calls(sim.requests, case.path) == 1
    assert caught.value.code == ProviderError.UPSTREAM
    assert "dropped after the request was sent" in caught.value.message
    assert "not sent again" in caught.value.message


def test_a_dropped_bfl_submission_leaves_one_task_and_no_poll(sim: ProviderSimulator) -> None:
    before = len(sim.state.tasks)
    sim.set_fault("bfl", "drop-after-accept")
    with pytest.raises(ProviderError):
        run(CASES["bfl"])
    assert len(sim.state.tasks) == before + 1
    assert calls(sim.requests, "/bfl/v1/get_result") == 0


@pytest.mark.parametrize("provider", PROVIDER_IDS)
def test_a_500_is_sent_again_only_where_the_vendor_retries_it(
    sim: ProviderSimulator, provider: str
) -> None:
    case = CASES[provider]
    sim.set_fault(provider, "500", count=1)
    if RESENT_AFTER_500[provider]:
        assert run(case).content_type == case.content_type
        assert calls(sim.requests, case.path) == 2
        return
    with pytest.raises(ProviderError) as caught:
        run(case)
    assert calls(sim.requests, case.path) == 1
    assert caught.value.code == ProviderError.UPSTREAM
    assert "(HTTP 500)" in caught.value.message and "not sent again" in caught.value.message


def test_bedrock_is_not_invoked_again_after_a_read_timeout(sim: ProviderSimulator) -> None:
    case = CASES["bedrock"]
    sim.set_fault("bedrock", "hang", latency=10)
    with pytest.raises(ProviderError) as caught:
        run(case, seconds=2.0)  # the 2 s rung: 0.5 s to connect, 1.5 s to read
    assert caught.value.code == ProviderError.TIMEOUT
    assert "not sent again" in caught.value.message
    assert calls(sim.requests, case.path) == 1


def test_a_poll_is_a_free_get_and_is_retried_after_a_drop(sim: ProviderSimulator) -> None:
    sim.set_fault("bfl", "drop-after-accept", count=1)
    response = transport.send(
        "GET",
        f"{sim.url}/bfl/v1/get_result?id=unknown",
        who=Caller("BFL"),
        deadline=time.monotonic() + 5,
        headers={"x-key": "k"},
    )
    assert response.json()["status"] == "Task not found"
    assert calls(sim.requests, "/bfl/v1/get_result") == 2


def test_a_refused_connection_is_retried_even_for_a_paid_post(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(transport, "BACKOFF_BASE", 0.01)
    closed = socket.create_server(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()  # nothing listens here now: the request never left
    with pytest.raises(ProviderError) as caught:
        transport.send(
            "POST",
            f"http://127.0.0.1:{port}/v1/flux-pro-1.1",
            who=Caller("BFL"),
            deadline=time.monotonic() + 5,
            retry=PAID,
            json={"prompt": "fox"},
        )
    assert caught.value.message.endswith("gave up after 4 attempts")


def _response(status: int, **headers: str) -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response._content = b"{}"
    response.headers.update(headers)
    return response


@pytest.mark.parametrize(
    ("policy", "status", "headers", "allowed"),
    [
        (openai_api.RETRY, 409, {}, True),  # openai-python retries lock timeouts
        (openai_api.RETRY, 500, {"x-should-retry": "false"}, False),  # the server says no
        (openai_api.RETRY, 400, {"x-should-retry": "true"}, True),  # ... or yes
        (openai_api.RETRY, 400, {}, False),
        (gemini.RETRY, 503, {}, True),
        (gemini.RETRY, 409, {}, False),
        (recraft.RETRY, 502, {}, False),
        (PAID, 429, {}, True),
        (PAID, 503, {}, False),
        (IDEMPOTENT, 503, {}, True),
    ],
)
def test_which_answers_each_policy_sends_again(
    policy: RetryPolicy, status: int, headers: dict[str, str], allowed: bool
) -> None:
    assert policy.allows(_response(status, **headers)) is allowed


def test_retry_after_ms_wins_over_retry_after() -> None:
    told = _response(429, **{"retry-after-ms": "250", "Retry-After": "3"})
    assert transport.retry_after(told) == 0.25


def test_bfl_429_waits_the_retry_after_in_its_body() -> None:
    response = _response(429)
    response._content = b'{"error": "rate_limit_exceeded", "retry_after": 7}'
    error = bfl.classify(response, Caller("BFL"))
    assert error is not None and error.retryable
    assert (error.code, error.retry_after) == (ProviderError.RATE_LIMITED, 7.0)


class _Counting(ThreadingHTTPServer):
    daemon_threads = True
    connections = 0

    def get_request(self):  # type: ignore[no-untyped-def]
        self.connections += 1
        return super().get_request()


class _Ok(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, so the client pools the connection

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.mark.parametrize(("stale_after", "connections"), [(60.0, 1), (0.0, 2)])
def test_a_paid_request_does_not_ride_a_connection_left_idle(
    monkeypatch: pytest.MonkeyPatch, stale_after: float, connections: int
) -> None:
    # A connection idle past STALE_AFTER may be dead without our knowing (a frozen Lambda);
    # a paid request breaking on it would not be sent again, so it gets a fresh one.
    monkeypatch.setattr(transport, "STALE_AFTER", stale_after)
    server = _Counting(("127.0.0.1", 0), _Ok)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/v1/images/generations"
        for _ in range(2):
            transport.send("POST", url, who=Caller("OpenAI"), deadline=time.monotonic() + 5)
        assert server.connections == connections
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.mark.parametrize(("stale_after", "closed"), [(60.0, 0), (0.0, 1)])
def test_bedrock_does_not_invoke_on_a_connection_left_idle(
    sim: ProviderSimulator, monkeypatch: pytest.MonkeyPatch, stale_after: float, closed: int
) -> None:
    run(CASES["bedrock"])  # the client exists and has used its pool
    client = bedrock.fitted_client(time.monotonic() + 10)
    closes: list[bool] = []
    original = client.close
    monkeypatch.setattr(client, "close", lambda: closes.append(True) or original())
    monkeypatch.setattr(transport, "STALE_AFTER", stale_after)
    assert run(CASES["bedrock"]).content_type == "image/png"
    assert len(closes) == closed
