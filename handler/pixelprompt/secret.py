"""The stack's secret: provider keys and the rate-limit HMAC key, read once per execution
environment.

The function's environment holds only the secret's ARN (PROVIDER_SECRET_ARN) and a version
(PROVIDER_SECRET_VERSION) that changes with the secret's content; a changed version is a new
function configuration, so Lambda starts new environments, and each reads the new secret on
first use. Nothing is read at import time or by requests that need neither keys nor limits.

The secret is JSON (DEPLOYMENT.md, "The stack's secret"):
    {"format": 1, "keys": {"<slot>": "<key>", ...}, "rateLimitSalt": "<hex>", ...}
Fields this module does not know are kept in `Secrets.extra` for later readers.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pixelprompt import aws, scrub
from pixelprompt.contract import Env
from pixelprompt.errors import ServiceUnavailable
from pixelprompt.log import event, get_logger

ARN_VARIABLE = Env.PROVIDER_SECRET_ARN
VERSION_VARIABLE = Env.PROVIDER_SECRET_VERSION
_log = get_logger("secret")


@dataclass(frozen=True)
class Secrets:
    keys: Mapping[int, str] = field(default_factory=dict)  # slot number -> API key
    rate_limit_salt: str = ""
    extra: Mapping[str, Any] = field(default_factory=dict)

    def key(self, slot: int) -> str:
        return self.keys.get(slot, "")


class Unreadable(ServiceUnavailable):
    """The secret could not be read or parsed; the sentence never holds its content."""

    def __init__(self, why: str) -> None:
        super().__init__(
            f"The service is misconfigured: the stack's secret could not be read ({why}).",
            code="CONFIG_ERROR",
        )


def parse(text: str) -> Secrets:
    """The secret's JSON as Secrets; surrounding whitespace is stripped from every key."""
    try:
        doc = json.loads(text)
    except ValueError:
        raise Unreadable("it is not JSON") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("keys", {}), dict):
        raise Unreadable('it is not an object with a "keys" object')
    keys: dict[int, str] = {}
    for slot, value in doc.get("keys", {}).items():
        if str(slot).isdigit() and isinstance(value, str) and value.strip():
            keys[int(slot)] = value.strip()
    salt = doc.get("rateLimitSalt")
    extra = {k: v for k, v in doc.items() if k not in {"keys", "rateLimitSalt", "format"}}
    return Secrets(keys, salt if isinstance(salt, str) else "", extra)


def _read(arn: str) -> Secrets:
    try:
        answer = aws.client("secretsmanager").get_secret_value(SecretId=arn)
    except Exception as exc:  # botocore's ClientError or a connection error: code, not text
        raise Unreadable(aws.error_code(exc) or type(exc).__name__) from None
    if "SecretString" not in answer:
        raise Unreadable("it holds binary data, not JSON text")
    return parse(answer["SecretString"])


_cached: Secrets | None = None
_lock = threading.Lock()


def get(env: Mapping[str, str] | None = None) -> Secrets:
    """This execution environment's secret, read on first use (a failure is retried next call).

    Without PROVIDER_SECRET_ARN there is no secret: no keys, no salt (models that need a key
    then fail with a clear "missing key" error).
    """
    global _cached
    with _lock:
        if _cached is None:
            env = os.environ if env is None else env
            arn = env.get(ARN_VARIABLE, "").strip()
            _cached = _read(arn) if arn else Secrets()
            # Every log line is scrubbed of the keys from now on, whoever writes it.
            scrub.register(_cached.keys.values())
            event(
                _log,
                logging.INFO,
                "secret loaded" if arn else "no secret configured",
                version=env.get(VERSION_VARIABLE, ""),
                keys=sorted(_cached.keys),  # slot numbers only, never a value
            )
        return _cached


def provider_key(slot: int) -> str:
    return get().key(slot)


def reset() -> None:
    """Forget the secret (tests change it between cases, as a new environment would)."""
    global _cached
    with _lock:
        _cached = None
