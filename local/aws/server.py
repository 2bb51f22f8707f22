"""``LocalAws``: moto's server in this process on 127.0.0.1, with the project's patches."""

from __future__ import annotations

import logging
import socket
import threading
from types import TracebackType

from moto.moto_api import _internal as moto_api
from moto.server import ThreadedMotoServer

from local.aws.patches import install

HOST = "127.0.0.1"

# moto keeps its backends in module globals, so every server in this process shares one state.
# The first server to start gets a fresh state; later ones (while it runs) share it.
_running_lock = threading.Lock()
_running = 0


def _check_free(port: int) -> None:
    """Fail fast: moto binds in its server thread, and a bind error there would hang start()."""
    if port == 0:
        return
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as werkzeug binds
        try:
            probe.bind((HOST, port))
        except OSError as exc:
            raise OSError(exc.errno, f"{HOST}:{port} is not available for LocalAws: {exc}") from exc


class LocalAws:
    """An AWS-compatible endpoint at ``http://127.0.0.1:PORT`` (``port=0`` picks a free port)."""

    def __init__(self, port: int = 0) -> None:
        self._requested_port = port
        self._server: ThreadedMotoServer | None = None
        self.endpoint_url: str | None = None

    def start(self) -> str:
        global _running
        if self._server is not None:
            assert self.endpoint_url is not None
            return self.endpoint_url
        install()
        _check_free(self._requested_port)
        # werkzeug logs every request at INFO; the deploy output is not the place for that.
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        with _running_lock:
            if _running == 0:
                moto_api.moto_api_backend.reset()
            server = ThreadedMotoServer(ip_address=HOST, port=self._requested_port, verbose=False)
            server.start()
            _running += 1
        self._server = server
        host, port = server.get_host_and_port()
        self.endpoint_url = f"http://{host}:{port}"
        return self.endpoint_url

    def stop(self) -> None:
        global _running
        server, self._server = self._server, None
        if server is None:
            return
        server.stop()
        # ThreadedMotoServer.stop() shuts the loop down but leaves the socket bound.
        if server._server is not None:
            server._server.server_close()
        with _running_lock:
            _running -= 1
        self.endpoint_url = None

    @property
    def port(self) -> int | None:
        return int(self.endpoint_url.rsplit(":", 1)[1]) if self.endpoint_url else None

    def __enter__(self) -> LocalAws:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
