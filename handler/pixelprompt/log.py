"""Structured JSON logging: one line per event, every line carrying the correlation id.

The correlation id lives in a ContextVar so that route code never passes it around; worker
threads run inside a copy of the caller's context (see worker.py) and inherit it.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from contextvars import ContextVar
from typing import Any

from pixelprompt import scrub

_correlation_id: ContextVar[str] = ContextVar("correlation_id", default="-")
_LOGGER_NAME = "pixelprompt"


def set_correlation_id(value: str) -> None:
    _correlation_id.set(value)


def correlation_id() -> str:
    return _correlation_id.get()


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "message": record.getMessage(),
            "correlationId": _correlation_id.get(),
            "logger": record.name,
        }
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            line.update({k: v for k, v in fields.items() if k not in line})
        if record.exc_info:
            # Tracebacks go to the log (one JSON string), never to a client.
            line["exception"] = self.formatException(record.exc_info)
        # Last step, after every field is in: no provider key reaches a log in any form.
        return scrub.scrub_registered(json.dumps(line, default=str))


class _StdoutHandler(logging.StreamHandler):
    """Writes to the current sys.stdout (CloudWatch reads it; test capture replaces it)."""

    def emit(self, record: logging.LogRecord) -> None:
        self.stream = sys.stdout
        super().emit(record)


def _configure() -> logging.Logger:
    logger = logging.getLogger(_LOGGER_NAME)
    if not any(isinstance(h.formatter, JsonFormatter) for h in logger.handlers):
        handler = _StdoutHandler()
        handler.setFormatter(JsonFormatter())
        logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    # Lambda's runtime installs its own root handler; without this every line would print twice.
    logger.propagate = False
    return logger


_logger = _configure()


def get_logger(name: str) -> logging.Logger:
    """A child of the package logger, e.g. get_logger("worker")."""
    return _logger.getChild(name)


def event(logger: logging.Logger, level: int, message: str, **fields: Any) -> None:
    """Log `message` with structured fields merged into the JSON line."""
    logger.log(level, message, extra={"fields": fields})
