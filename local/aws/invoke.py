"""Lambda ``Invoke`` delegation: let the local run execute functions instead of moto's Docker path.

Stock moto runs an invoked function inside a Docker container (or returns a canned answer without
Docker). The local run (local.run) executes the deployed code itself, so when a handler is
registered the HTTP ``Invoke`` and legacy ``InvokeAsync`` operations are answered by that handler.
The function is still looked up in moto's Lambda backend first, so an unknown name or qualifier
gets Lambda's own ``ResourceNotFoundException``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote

from moto.awslambda.responses import LambdaResponse
from moto.utilities.aws_headers import amz_crc32

# (function_name, qualifier, payload, invocation_type) -> (status, body, headers)
InvokeHandler = Callable[[str, str | None, bytes, str], tuple[int, bytes, dict[str, str]]]

_lock = threading.Lock()
_handler: InvokeHandler | None = None
_installed = False
_original_invoke = LambdaResponse.invoke
_original_invoke_async = LambdaResponse.invoke_async


def set_invoke_handler(fn: InvokeHandler | None) -> None:
    """Route Lambda Invoke to ``fn``; ``None`` restores moto's own behaviour."""
    global _handler
    with _lock:
        _handler = fn


def get_invoke_handler() -> InvokeHandler | None:
    return _handler


def _delegate(
    response: LambdaResponse, raw_name: str, invocation_type: str
) -> tuple[int, dict[str, str], bytes]:
    handler = _handler
    assert handler is not None
    qualifier = response._get_param("qualifier") or response.querystring.get("Qualifier", [None])[0]
    # Resolves ARNs and partial ARNs, and raises ResourceNotFoundException for unknown functions.
    fn = response.backend.get_function(unquote(raw_name), qualifier)
    payload = response.raw_body if isinstance(response.raw_body, bytes) else b""
    if not payload and isinstance(response.body, str):
        payload = response.body.encode("utf-8")
    status, body, headers = handler(fn.function_name, qualifier, payload, invocation_type)
    out = {"content-type": "application/json", "x-amz-executed-version": qualifier or "$LATEST"}
    out.update({k.lower(): v for k, v in headers.items()})
    out["status"] = str(status)
    return status, out, body


@amz_crc32
def _invoke(self: LambdaResponse) -> Any:
    if _handler is None:
        return _original_invoke(self)
    invocation_type = self.headers.get("X-Amz-Invocation-Type") or "RequestResponse"
    raw_name = self.path.rsplit("/", 2)[-2]
    if invocation_type == "DryRun":
        # DryRun only checks that the call would be allowed; nothing runs.
        self.backend.get_function(unquote(raw_name), self._get_param("qualifier"))
        return 204, {"status": "204"}, b""
    return _delegate(self, raw_name, invocation_type)


@amz_crc32
def _invoke_async(self: LambdaResponse) -> Any:
    if _handler is None:
        return _original_invoke_async(self)
    function_index = -3 if self.path.endswith("/") else -2
    raw_name = self.path.rsplit("/", 3)[function_index]
    return _delegate(self, raw_name, "Event")


def install() -> None:
    """Patch moto's Lambda responses once; the handler decides at call time."""
    global _installed
    with _lock:
        if _installed:
            return
        LambdaResponse.invoke = _invoke  # type: ignore[method-assign]
        LambdaResponse.invoke_async = _invoke_async  # type: ignore[method-assign]
        _installed = True
