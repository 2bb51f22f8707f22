"""Lambda entry point: API Gateway requests and the asynchronous job worker share one function.

Imports stay light (no boto3 client, no provider adapters) so that a cold start is quick; the
heavy parts load on first use.
"""

from __future__ import annotations

import logging
from typing import Any

from pixelprompt import backends, config, deadletter, log, runtime, worker
from pixelprompt.api import app
from pixelprompt.apigw import is_http_event

_log = log.get_logger("handler")
DEFAULT_REMAINING_MS = 900_000
# Once per execution environment: which Python and which AWS SDK (the zip's pinned copy, or
# the runtime's) this environment runs.
log.event(_log, logging.INFO, "cold start", **runtime.describe())


def _remaining_ms(context: Any) -> int:
    getter = getattr(context, "get_remaining_time_in_millis", None)
    return int(getter()) if callable(getter) else DEFAULT_REMAINING_MS


def lambda_handler(event: Any, context: Any) -> dict[str, Any]:
    if worker.is_job_event(event):
        return worker.run_job(
            event, lambda: _remaining_ms(context), config.get(), backends.current()
        )
    if is_http_event(event):
        return app.resolve(event)
    if deadletter.is_sqs_event(event):  # the DLQ's event source mapping: workers Lambda gave up on
        return deadletter.handle(event)
    log.event(
        _log,
        logging.ERROR,
        "unrecognised event",
        keys=sorted(map(str, event))[:20] if isinstance(event, dict) else type(event).__name__,
    )
    return {"statusCode": 400, "body": '{"error":"Unrecognised event.","code":"BAD_EVENT"}'}
