"""Install every patch once: the Lambda invoke hook now, CloudFormation gaps as they land."""

from __future__ import annotations

import threading

from localaws import invoke

_lock = threading.Lock()
_installed = False


def install() -> None:
    """Idempotent; must run before the server answers its first CloudFormation request."""
    global _installed
    with _lock:
        if _installed:
            return
        invoke.install()
        _installed = True
