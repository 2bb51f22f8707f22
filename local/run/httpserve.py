"""A small threaded HTTP/1.1 server on 127.0.0.1 for an app of `handle(request, host)`.

Shared by the API emulator and the CDN so that both parse requests, write responses, log one
access line per request and stop the same way.
"""

from __future__ import annotations

import threading
import time
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol
from urllib.parse import urlsplit

from .apigw_events import HttpRequest, HttpResponse, json_message
from .errors import LocalRunError
from .logs import LogSink

MAX_BODY_BYTES = 10 * 1024 * 1024  # HTTP API's payload limit; the CDN takes no bodies anyway


class PortInUse(LocalRunError):
    """The requested local port cannot be bound."""


class App(Protocol):
    def handle(
        self, request: HttpRequest, domain_name: str, port: int | None = None
    ) -> HttpResponse: ...


class BadRequest(Exception):
    """The request's framing cannot be read (length, chunk size): answered 400, then closed."""


def _content_length(text: str | None) -> int:
    if text is None or not text.strip():
        return 0
    if not text.strip().isdigit():  # also refuses "-1" and "+1"
        raise BadRequest(f"Content-Length {text!r}")
    return int(text)


def _chunk_size(line: bytes) -> int:
    field = line.split(b";", 1)[0].strip()
    try:
        size = int(field, 16)
    except ValueError:
        raise BadRequest(f"chunk size {field[:20]!r}") from None
    if size < 0:
        raise BadRequest(f"chunk size {field[:20]!r}")
    return size


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 15  # idle keep-alive connections must not pin handler threads forever
    # Headers and body leave in separate writes; with Nagle's algorithm the body then waits for
    # the client's delayed ACK (~40 ms per keep-alive request).
    disable_nagle_algorithm = True
    server: _Server

    def log_message(self, format: str, *args: object) -> None:
        pass  # one access line per request is written by _serve instead

    def _read_body(self) -> bytes | None:
        """The request body, or None when it exceeds the limit."""
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            chunks, total = [], 0
            while True:
                size = _chunk_size(self.rfile.readline())
                if size == 0:
                    self.rfile.readline()
                    return b"".join(chunks)
                total += size
                if total > MAX_BODY_BYTES:
                    return None
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = _content_length(self.headers.get("Content-Length"))
        if length > MAX_BODY_BYTES:
            return None
        return self.rfile.read(length) if length else b""

    def _serve(self) -> None:
        started = time.perf_counter()
        target = urlsplit(self.path)
        try:
            body = self._read_body()
        except BadRequest:
            body = b""
            response = json_message(400, "Bad Request")
            self.close_connection = True
            self._write(response)
            millis = (time.perf_counter() - started) * 1000
            self.server.sink.access(self.server.name, self.command, self.path, 400, millis)
            return
        if body is None:
            response = json_message(413, "Request Entity Too Large")
            self.close_connection = True
        else:
            request = HttpRequest(
                method=self.command,
                raw_path=target.path or "/",
                raw_query=target.query,
                headers=list(self.headers.items()),
                body=body,
                source_ip=self.client_address[0],
                protocol=self.request_version,
            )
            host = (self.headers.get("Host") or "127.0.0.1").split(":", 1)[0]
            try:
                response = self.server.app.handle(request, host, self.server.server_address[1])
            except Exception as exc:  # our own bug must still answer, and be visible
                self.server.sink.info(self.server.name, f"internal error: {exc!r}")
                response = json_message(500, "Internal Server Error")
        self._write(response)
        millis = (time.perf_counter() - started) * 1000
        self.server.sink.access(self.server.name, self.command, self.path, response.status, millis)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """http.server's own refusals (a bad request line, 70 KB of headers, 150 headers, ...)
        answered as JSON in API Gateway's shape, never its HTML page."""
        try:
            phrase = HTTPStatus(code).phrase
        except ValueError:
            phrase = "Error"
        self.close_connection = True
        self.command = self.command or "GET"
        self._write(json_message(code, phrase))
        self.server.sink.info(self.server.name, f"refused a malformed request: {code} {phrase}")

    def _write(self, response: HttpResponse) -> None:
        try:
            reason = HTTPStatus(response.status).phrase
        except ValueError:
            reason = ""
        self.send_response_only(response.status, reason)
        skip = {"content-length", "connection", "transfer-encoding", "date"}
        for name, value in response.headers:
            if name.lower() not in skip:
                self.send_header(name, value)
        self.send_header("Date", self.date_time_string())
        if response.status not in (204, 304):
            length = str(len(response.body))
            if self.command == "HEAD":  # a HEAD answer states the length of the GET body
                length = next(
                    (v for k, v in response.headers if k.lower() == "content-length"), length
                )
            self.send_header("Content-Length", length)
        self.end_headers()
        if self.command != "HEAD" and response.body and response.status not in (204, 304):
            self.wfile.write(response.body)

    def __getattr__(self, name: str) -> Any:
        # Every method (TRACE, PROPFIND, …) reaches the app, which answers as API Gateway or
        # CloudFront would; http.server's own 501 page would be neither.
        if name.startswith("do_"):
            return self._serve
        raise AttributeError(name)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A connection that broke mid-request is one line in the run's output, no traceback."""
        import sys

        error = sys.exc_info()[1]
        self.sink.info(self.name, f"dropped a connection from {client_address[0]}: {error!r}")

    # socketserver's default backlog of 5 resets connections when many clients connect at once.
    request_queue_size = 1024

    def __init__(self, port: int, app: App, sink: LogSink, name: str) -> None:
        self.app = app
        self.sink = sink
        self.name = name
        super().__init__(("127.0.0.1", port), _Handler)


class BackgroundServer:
    """Serves an app on 127.0.0.1:port (0 picks a free port) from a daemon thread."""

    def __init__(self, app: App, sink: LogSink, name: str, port: int = 0) -> None:
        try:
            self._server = _Server(port, app, sink, name)
        except OSError as exc:
            raise PortInUse(
                f"cannot listen on 127.0.0.1:{port} for the local {name} ({exc.strerror}); "
                "choose another --local-port, or 0 for free ports"
            ) from exc
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.2},
            daemon=True,
            name=f"{name}-server",
        )
        self._stopped = False

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> str:
        self._thread.start()
        return self.url

    def stop(self) -> None:
        """Idempotent: stop accepting, close the listening socket."""
        if self._stopped:
            return
        self._stopped = True
        if self._thread.is_alive():
            self._server.shutdown()
            self._thread.join(timeout=5)
        self._server.server_close()
