"""Install every patch once, before the server answers its first request."""

from __future__ import annotations

import threading

from localaws import changesets, events, invoke

_lock = threading.Lock()
_installed = False


def install() -> None:
    """Idempotent. Resource models, change-set behaviour, stack events and the invoke hook."""
    global _installed
    with _lock:
        if _installed:
            return
        from localaws import cfn  # defining the models registers them with moto

        cfn.register()
        changesets.install()
        events.install()
        invoke.install()
        _installed = True
