"""A threading HTTP server for local helpers whose peers may vanish mid-exchange."""

from __future__ import annotations

import sys
from http.server import ThreadingHTTPServer
from typing import Any


class QuietThreadingHTTPServer(ThreadingHTTPServer):
    """A peer gone mid-exchange -- a killed function environment, a closed browser page -- is
    expected in tests and the local run; socketserver would print a traceback for each."""

    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):  # reset, broken pipe, aborted
            super().handle_error(request, client_address)
