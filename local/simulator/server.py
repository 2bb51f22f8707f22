"""ProviderSimulator: every provider's wire protocol on one loopback origin."""

from __future__ import annotations

import base64
import contextlib
import json
import logging
import re
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, quote, unquote, urlsplit

from . import control, models
from .exchange import BadRequest, Exchange, Reply
from .faults import DROP_AFTER_ACCEPT, HANG_BOUND, Fault
from .protocols import ALL
from .state import Protocol, State

log = logging.getLogger("simulator")
LOOPBACK = ("127.0.0.1", "localhost", "::1")
MAX_BODY = 20 * 1024 * 1024
_ROUTES = [
    (protocol, route.method, re.compile(route.pattern), route.handler)
    for protocol in ALL
    for route in protocol.routes
]


class ProviderSimulator:
    """Start it, point the adapters at `.env()`, tell it to fail with `.set_fault()`."""

    def __init__(self, latency: float = 0.0, host: str = "127.0.0.1", port: int = 0) -> None:
        if host not in LOOPBACK:
            raise ValueError("the simulator only listens on the loopback interface")
        self.state = State(latency=float(latency))
        self._address = (host, port)
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> ProviderSimulator:
        if self._server is not None:
            return self
        server = _Server(self._address, _Handler)
        server.state = self.state
        host, port = server.server_address[:2]
        self.state.url = f"http://{'127.0.0.1' if host == '0.0.0.0' else host}:{port}"
        self.state.stopping.clear()
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        self.state.stopping.set()  # wakes every hang and latency sleep
        server.shutdown()
        server.close_connections()
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> ProviderSimulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        if not self.state.url:
            raise RuntimeError("the simulator is not started")
        return self.state.url

    def env(self) -> dict[str, str]:
        """Environment variables that point every adapter (and the preflight's lookups) at this
        simulator: each provider's base-URL variable from the registry, with the path of its
        default base under the protocol's prefix (OPENAI_BASE_URL -> <url>/openai/v1)."""
        bases = models.base_paths()
        lookups = models.lookup_envs()
        env: dict[str, str] = {}
        for protocol in ALL:
            variable, path = bases[protocol.provider]
            root = f"{self.url}/{protocol.prefix}" if protocol.prefix else self.url
            env[variable] = root + path
            if protocol.provider in lookups:
                env[lookups[protocol.provider]] = root
        return env

    def set_fault(
        self,
        provider: str,
        mode: str,
        count: int | None = None,
        retry_after: float | None = None,
        latency: float | None = None,
    ) -> None:
        self.state.faults.set(provider, mode, count, retry_after, latency)

    def clear_faults(self) -> None:
        self.state.faults.clear()

    @property
    def latency(self) -> float:
        return self.state.latency

    @latency.setter
    def latency(self, seconds: float) -> None:
        self.state.latency = float(seconds)

    @property
    def requests(self) -> list[tuple[str, str, str]]:
        """(provider, path, method) of every provider request so far, oldest first."""
        return self.state.requests()

    def clear_requests(self) -> None:
        self.state.clear_requests()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128  # 20 models x a few connections each arrive together
    state: State

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()

    def get_request(self) -> tuple[socket.socket, object]:
        connection, address = super().get_request()
        with self._open_lock:
            self._open.add(connection)
        return connection, address

    def shutdown_request(self, request: socket.socket) -> None:  # type: ignore[override]
        with self._open_lock:
            self._open.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        """Keep-alive connections would keep their threads reading; end them on stop."""
        with self._open_lock:
            connections = list(self._open)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"  # keep-alive, as the adapters' pooled sessions expect
    timeout = 120  # an idle keep-alive connection is closed after this many seconds

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def do_DELETE(self) -> None:
        self._serve()

    def do_PUT(self) -> None:
        self._serve()

    def log_message(self, format: str, *args: object) -> None:
        log.debug("%s %s", self.address_string(), format % args)

    def _serve(self) -> None:
        exchange = self._exchange()
        if exchange is None:
            return
        try:
            reply = dispatch(self.server.state, exchange)
        except Exception:  # a simulator bug must answer 500, not drop the connection silently
            log.exception("simulator failed on %s %s", exchange.method, exchange.path)
            reply = Reply(500, b'{"error": "the provider simulator failed; see its log"}')
        self._send(reply)

    def _exchange(self) -> Exchange | None:
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            self.close_connection = True  # the unread body must not be parsed as a request
            self._send(Reply(413, b'{"error": "body too large"}'))
            return None
        body = self.rfile.read(length) if length else b""
        parts = urlsplit(self.path)
        return Exchange(
            self.command, unquote(parts.path), parse_qs(parts.query), self.headers, body
        )

    def _send(self, reply: Reply) -> None:
        if reply.drop:
            self.close_connection = True
            return
        try:
            self._write(reply)
        except (BrokenPipeError, ConnectionResetError):
            # The caller went away (its run stopped mid-request): nobody is left to answer.
            self.close_connection = True

    def _write(self, reply: Reply) -> None:
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(reply.body)))
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(reply.body)


def dispatch(state: State, exchange: Exchange) -> Reply:
    if exchange.path.startswith("/_control/"):
        return control.handle(state, exchange)
    if exchange.path.startswith("/files/"):
        return serve_file(state, exchange)
    for protocol, method, pattern, handler in _ROUTES:
        match = pattern.match(exchange.path)
        if match and method == exchange.method:
            state.record(protocol.provider, exchange.path, exchange.method)
            return answer(state, protocol, exchange, handler, match.groupdict())
    return Reply(404, b'{"error": "no such endpoint on the provider simulator"}')


def answer(
    state: State, protocol: Protocol, exchange: Exchange, handler: object, params: dict
) -> Reply:
    """Auth, then any fault, then the realistic delay, then the protocol's own answer."""
    refused = protocol.check_auth(exchange)
    if refused is not None:
        return refused
    fault = state.faults.take(protocol.provider)
    if fault is not None and fault.mode == "echo_key":
        return echo_credentials(exchange)
    early = fault_effect(state, protocol, fault)
    if early is not None:
        return early
    if not _is_poll(exchange):
        state.pause(state.latency)
    mode = fault.mode if fault and fault.mode in ("moderation", "block200", "malformed") else None
    try:
        reply = handler(state, exchange, params, mode)  # type: ignore[operator]
    except BadRequest as exc:
        return protocol.bad_request(str(exc))
    if fault is not None and fault.mode == DROP_AFTER_ACCEPT:
        # The provider did the work (a BFL task exists, an image was billed) and the answer
        # never arrives: what a client that re-sends would pay for twice.
        return Reply(0, drop=True)
    return reply


def fault_effect(state: State, protocol: Protocol, fault: Fault | None) -> Reply | None:
    """The reply a fault forces, or None to carry on (after its extra latency, if any)."""
    if fault is None:
        return None
    if fault.mode == "hang":
        state.pause(min(fault.latency or HANG_BOUND, HANG_BOUND))
        return Reply(0, drop=True)
    if fault.mode == "latency":
        state.pause(fault.latency or 0)
        return None
    if fault.mode in ("401", "429", "500"):
        return protocol.fault_reply(fault)
    if fault.mode == "revoked":  # the key was revoked: every call, key checks too, is refused
        return protocol.fault_reply(Fault("401"))
    return None


CREDENTIAL_HEADERS = ("Authorization", "x-key", "x-api-key", "x-goog-api-key")


def echo_credentials(exchange: Exchange) -> Reply:
    """A careless provider's 400: the request's key, as sent, URL-encoded, base64, JSON-escaped.

    Real APIs have echoed request headers and query strings in error bodies; this is how the
    tests prove that no form of a key gets past the function's scrubbing.
    """
    sent = [exchange.header(h) for h in CREDENTIAL_HEADERS if exchange.header(h)]
    sent += [v for values in exchange.query.values() for v in values]
    secrets = [v.split(" ", 1)[-1] for v in sent]  # "Bearer <key>" -> the key
    forms = []
    for key in secrets:
        forms += [
            key,
            quote(key, safe=""),
            base64.b64encode(key.encode()).decode(),
            json.dumps(key)[1:-1],
        ]
    message = "invalid request; you sent " + " | ".join(forms)
    body = {"error": {"message": message, "code": "invalid_request"}, "echo": json.dumps(forms)}
    return Reply(400, json.dumps(body).encode(), "application/json")


def _is_poll(exchange: Exchange) -> bool:
    """BFL polls answer at once; the task's own ready time carries the generation delay."""
    return exchange.path.endswith("/get_result")


def serve_file(state: State, exchange: Exchange) -> Reply:
    if exchange.method not in ("GET", "HEAD"):
        return Reply(405, b"")
    name = exchange.path.removeprefix("/files/")
    stored = state.file(name)
    if stored is None:
        # Signed delivery URLs that have expired answer 403 with an XML body on S3-like hosts.
        return Reply(403, b"<Error><Code>AccessDenied</Code></Error>", "application/xml")
    state.record(stored.provider, exchange.path, exchange.method)
    return Reply(200, stored.data, stored.content_type)
