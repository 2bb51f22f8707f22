"""The local servers answer malformed HTTP in API Gateway's JSON shape: no HTML, no traceback."""

from __future__ import annotations

import io
import json
import socket
from collections.abc import Iterator

import pytest
from rich.console import Console

from local.run.apigw_events import HttpRequest, HttpResponse, json_message
from local.run.httpserve import BackgroundServer
from local.run.logs import LogSink


class Echo:
    """An app that answers 200 with the length of the body it got."""

    def handle(
        self, request: HttpRequest, domain_name: str, port: int | None = None
    ) -> HttpResponse:
        return json_message(200, f"{len(request.body)} bytes")


@pytest.fixture
def server() -> Iterator[tuple[int, io.StringIO]]:
    out = io.StringIO()
    sink = LogSink(Console(file=out, width=200))
    background = BackgroundServer(Echo(), sink, "api")
    url = background.start()
    yield int(url.rsplit(":", 1)[1]), out
    background.stop()


def exchange(port: int, raw: bytes) -> tuple[int, dict[str, str], bytes]:
    """Send raw bytes; (status, headers, body) of the answer."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
        conn.sendall(raw)
        conn.shutdown(socket.SHUT_WR)
        data = b""
        while chunk := conn.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:] if ": " in line)
    return int(lines[0].split()[1]), headers, body


CASES = {
    "invalid Content-Length": b"POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: abc\r\n\r\n",
    "negative Content-Length": b"POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: -5\r\n\r\nhello",
    "bad chunk size": (
        b"POST /x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n"
    ),
    "70 KB of headers": b"GET /x HTTP/1.1\r\nHost: a\r\nX-Big: " + b"a" * 70_000 + b"\r\n\r\n",
    "150 headers": b"GET /x HTTP/1.1\r\nHost: a\r\n"
    + b"".join(b"X-H%d: v\r\n" % n for n in range(150))
    + b"\r\n",
}
EXPECTED = {
    "invalid Content-Length": 400,
    "negative Content-Length": 400,
    "bad chunk size": 400,
    "70 KB of headers": 431,
    "150 headers": 431,
}


@pytest.mark.parametrize("case", list(CASES))
def test_malformed_requests_get_a_json_answer_and_no_traceback(
    server: tuple[int, io.StringIO], case: str, capfd: pytest.CaptureFixture[str]
) -> None:
    port, out = server
    status, headers, body = exchange(port, CASES[case])
    assert status == EXPECTED[case]
    assert headers.get("Content-Type") == "application/json"
    assert "message" in json.loads(body)
    assert b"<html" not in body.lower() and b"<!doctype" not in body.lower()
    assert "Traceback" not in out.getvalue() + capfd.readouterr().err


def test_a_well_formed_request_still_works(server: tuple[int, io.StringIO]) -> None:
    port, _ = server
    status, _, body = exchange(
        port, b"POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello"
    )
    assert status == 200 and json.loads(body) == {"message": "5 bytes"}
