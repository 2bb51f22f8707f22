"""Install every patch once, before the server answers its first request."""

from __future__ import annotations

import threading

from local.aws import (
    changesets,
    events,
    intrinsics,
    invoke,
    operations,
    parameters,
    resourcemap,
    s3atomic,
    s3policy,
    template_url,
)

_lock = threading.Lock()
_installed = False


def install() -> None:
    """Idempotent: resource models, change sets, stack events, invoke hook, bucket policies,
    atomic object writes."""
    global _installed
    with _lock:
        if _installed:
            return
        from local.aws import cfn  # defining the models registers them with moto

        cfn.register()
        resourcemap.install()
        changesets.install()
        operations.install()
        parameters.install()
        intrinsics.install()
        events.install()
        invoke.install()
        s3policy.install()
        s3atomic.install()
        template_url.install()
        _installed = True
