"""Lazily created, cached boto3 clients.

Never created at import time: a client made at import escapes moto in tests and costs cold-start
time in Lambda. The pool holds more connections than the worker has threads (20 models).
"""

from __future__ import annotations

import threading
from typing import Any

_clients: dict[str, Any] = {}
_lock = threading.Lock()
POOL_SIZE = 32


def _make(service: str) -> Any:
    import boto3  # deferred: importing boto3 is most of a cold start
    from botocore.config import Config

    cfg = Config(
        retries={"mode": "standard", "max_attempts": 4},
        max_pool_connections=POOL_SIZE,
        connect_timeout=5,
        read_timeout=30,
    )
    # Any service by name: the stubs type each literal name, not a str.
    return boto3.session.Session().client(service, config=cfg)  # type: ignore[call-overload]


def client(service: str) -> Any:
    with _lock:
        if service not in _clients:
            _clients[service] = _make(service)
        return _clients[service]


def s3() -> Any:
    return client("s3")


def lambda_client() -> Any:
    return client("lambda")


def reset() -> None:
    """Drop cached clients (tests create them inside each mock_aws)."""
    with _lock:
        _clients.clear()


def error_code(exc: BaseException) -> str:
    """The AWS error code of a botocore ClientError, or "" for anything else."""
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        return str(response.get("Error", {}).get("Code", ""))
    return ""


def http_status(exc: BaseException) -> int:
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        return int(response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) or 0)
    return 0
