"""Make moto's object writes atomic, as S3's are.

Real S3 evaluates a conditional write (If-Match / If-None-Match) and performs it as one step.
moto checks the condition and then writes without holding a lock, so two racing writers can both
pass: the function's rate-limit counters and job record (compare-and-swap on the ETag) would then
admit too much or lose an update under a burst. Serialising object-level writes restores S3's
semantics; reads stay concurrent because moto swaps a finished key object into place.
"""

from __future__ import annotations

import threading
from typing import Any

from moto.s3.responses import S3Response

_WRITES = frozenset({"PUT", "POST", "DELETE"})
_write_lock = threading.Lock()
_original_key_response = S3Response.key_response


# Private moto API, written against moto 5.2.5 (local.aws.patches.MOTO_VERSION).
def _atomic_key_response(self: S3Response, request: Any, *args: Any, **kwargs: Any) -> Any:
    if getattr(request, "method", "GET").upper() not in _WRITES:
        return _original_key_response(self, request, *args, **kwargs)
    with _write_lock:
        return _original_key_response(self, request, *args, **kwargs)


def install() -> None:
    S3Response.key_response = _atomic_key_response  # type: ignore[method-assign]
