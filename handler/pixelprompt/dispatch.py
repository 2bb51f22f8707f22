"""Starting the worker: the function invokes itself asynchronously (InvocationType=Event)."""

from __future__ import annotations

import json
import os
from typing import Any

from pixelprompt import aws


class DispatchError(Exception):
    """The worker could not be started; the message is safe to show."""


def send(payload: dict[str, Any]) -> None:
    """Queue `payload` for this same function; Lambda answers 202 once it is queued."""
    name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "")
    if not name:
        raise DispatchError("AWS_LAMBDA_FUNCTION_NAME is not set")
    try:
        response = aws.lambda_client().invoke(
            FunctionName=name, InvocationType="Event", Payload=json.dumps(payload).encode()
        )
    except Exception as exc:  # any failure means the same thing to the caller
        raise DispatchError(f"{type(exc).__name__}: {exc}") from exc
    if response.get("StatusCode") != 202:
        raise DispatchError(f"Lambda answered {response.get('StatusCode')} instead of 202")
