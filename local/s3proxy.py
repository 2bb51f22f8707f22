"""A throttling S3 front on 127.0.0.1: answers some first attempts with SlowDown/InternalError.

The function is pointed at it with `AWS_ENDPOINT_URL_S3` (botocore's service-specific endpoint
variable); every other request is forwarded unchanged to the local AWS. Faults are injected
before the request reaches S3, as real S3 throttling is, and only on a request's first attempt
(botocore's `amz-sdk-request: attempt=N` header), so a client that retries always gets through
and one that does not retry loses the write -- which the test would see.
"""

from __future__ import annotations

import http.client
import itertools
import re
import threading
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import urlsplit

from local.quiet_http import QuietThreadingHTTPServer

_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "upgrade", "proxy-connection"}
FAULTS = (
    (503, "SlowDown", "Please reduce your request rate."),
    (500, "InternalError", "We encountered an internal error. Please try again."),
    (503, "ServiceUnavailable", "Service is unable to handle request."),
)


@dataclass
class Hold:
    """Stop the first request matching `method` and `pattern` (a regex on path?query) `when`
    ("before" it reaches S3, or "after" S3 has done it, before the answer goes back) until the
    test sets `release`. `reached` is set when it is held: the moment to kill the caller.
    A request held "before" is then dropped, never forwarded: its caller is gone."""

    method: str
    pattern: str
    when: str = "after"
    reached: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)
    limit_s: float = 60.0  # bounded: a forgotten hold lets go on its own

    def matches(self, method: str, target: str) -> bool:
        return method == self.method and re.search(self.pattern, target) is not None

    def wait(self) -> None:
        self.reached.set()
        self.release.wait(self.limit_s)


@dataclass
class Stats:
    forwarded: int = 0
    injected: dict[str, int] = field(default_factory=dict)
    retried: int = 0  # requests that arrived with attempt >= 2
    calls: list[tuple[str, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


class ThrottlingS3:
    """`every`-th first attempt gets a fault (cycling through FAULTS); the rest pass through.

    `every=0` injects nothing: the front then only counts (`calls`: method and path?query of
    every request, in order), which is how the benchmark sees what one API call costs in S3.
    """

    def __init__(self, upstream: str, every: int = 2) -> None:
        target = urlsplit(upstream)
        self.upstream = (target.hostname or "127.0.0.1", target.port or 80)
        self.every = every
        self.stats = Stats()
        self.holds: list[Hold] = []  # taken one at a time, first match wins
        self._counter = itertools.count(1)
        self._kinds = itertools.cycle(FAULTS)
        self._server = QuietThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> ThrottlingS3:
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def _take_hold(self, method: str, target: str) -> Hold | None:
        with self.stats.lock:
            for hold in self.holds:
                if hold.matches(method, target):
                    self.holds.remove(hold)
                    return hold
        return None

    def _fault_for(self, attempt_header: str) -> tuple[int, str, str] | None:
        attempt = 1
        for part in attempt_header.split(";"):
            name, _, value = part.strip().partition("=")
            if name == "attempt" and value.isdigit():
                attempt = int(value)
        with self.stats.lock:
            if attempt > 1:
                self.stats.retried += 1
                return None
            if not self.every or next(self._counter) % self.every:
                return None
            fault = next(self._kinds)
            self.stats.injected[fault[1]] = self.stats.injected.get(fault[1], 0) + 1
            return fault

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _body(self) -> bytes:
                if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
                    chunks = []
                    for _ in range(1_000_000):  # bounded: a chunk per iteration
                        size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                        if size == 0:
                            self.rfile.readline()
                            break
                        chunks.append(self.rfile.read(size))
                        self.rfile.readline()
                    return b"".join(chunks)
                return self.rfile.read(int(self.headers.get("Content-Length") or 0))

            def _reply(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
                self.send_response(status)
                for name, value in headers:
                    if name.lower() not in _HOP and name.lower() != "content-length":
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body)

            def _any(self) -> None:
                body = self._body()
                with proxy.stats.lock:
                    proxy.stats.calls.append((self.command, self.path))
                hold = proxy._take_hold(self.command, self.path)
                if hold is not None and hold.when == "before":
                    hold.wait()
                    self.close_connection = True
                    return
                fault = proxy._fault_for(self.headers.get("amz-sdk-request", ""))
                if fault is not None:
                    status, code, message = fault
                    xml = (
                        '<?xml version="1.0" encoding="UTF-8"?>\n'
                        f"<Error><Code>{code}</Code><Message>{message}</Message>"
                        f"<RequestId>{uuid.uuid4().hex[:16]}</RequestId></Error>"
                    ).encode()
                    self._reply(status, [("Content-Type", "application/xml")], xml)
                    return
                headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP}
                if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
                    headers["Content-Length"] = str(len(body))
                conn = http.client.HTTPConnection(*proxy.upstream, timeout=60)
                try:
                    conn.request(self.command, self.path, body=body, headers=headers)
                    resp = conn.getresponse()
                    data = resp.read()
                    if hold is not None and hold.when == "after":
                        hold.wait()
                    self._reply(resp.status, resp.getheaders(), data)
                finally:
                    conn.close()
                with proxy.stats.lock:
                    proxy.stats.forwarded += 1

            do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _any

            def log_message(self, *args: Any) -> None:
                pass

        return Handler
