"""One readable line per log record: the function's output and the API's access log.

The handler logs structured JSON (possibly inside the Lambda runtime's text prefix); a terminal
wants `[fn] 20:31:02 INFO generate accepted job=… corr=…`, not raw JSON.
"""

from __future__ import annotations

import json
import re
import threading
import time
from typing import Any, Protocol

from rich.console import Console
from rich.text import Text

# The Lambda Python runtime's text format: "[LEVEL]\t<iso time>\t<request id>\t<message>".
_LAMBDA_TEXT = re.compile(
    r"^\[(?P<level>[A-Z]+)\]\t(?P<time>\S+)\t(?P<rid>\S*)\t(?P<msg>.*)$", re.S
)
_LEVEL_KEYS = ("level", "levelname", "log_level", "severity")
_MESSAGE_KEYS = ("message", "msg", "event")
_TIME_KEYS = ("timestamp", "time", "ts", "asctime")
_DROP_KEYS = {"logger", "name", "aws_request_id", "requestId", "request_id", "function", "module"}
_SHORT_NAMES = {"correlationId": "corr", "correlation_id": "corr", "jobId": "job", "job_id": "job"}
_TRACE_KEYS = ("exception", "exc_info", "stackTrace", "traceback")
_MAX_VALUE = 80
_SOURCE_STYLES = {"fn": "cyan", "api": "magenta", "cdn": "green", "invoke": "yellow"}
_ERROR = re.compile(r"^\S+ (ERROR|CRITICAL)\b| [45]\d\d \d+ms$| error \S+")


# Text that came from a request (a path, a header, what the function logged about it) may hold
# terminal escape sequences; each control character is shown as \xNN instead of acting.
# C0 and C1 controls, DEL, and the bidirectional overrides that reorder what a line shows.
_CONTROLS = [*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0), *range(0x202A, 0x202F),
             *range(0x2066, 0x206A)]  # fmt: skip
_SHOWN = {code: f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" for code in _CONTROLS}
_SHOWN_KEEPING_LINES = {code: shown for code, shown in _SHOWN.items() if code != 0x0A}


def printable(text: str, *, keep_newlines: bool = False) -> str:
    """`text` with every control character written out, so a terminal shows it and obeys none."""
    return text.translate(_SHOWN_KEEPING_LINES if keep_newlines else _SHOWN)


class _Console(Protocol):
    def print(self, *args: Any, **kwargs: Any) -> None: ...


def _clock(ts: float | None = None) -> str:
    return time.strftime("%H:%M:%S", time.localtime(ts if ts is not None else time.time()))


def _short(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    return text if len(text) <= _MAX_VALUE else text[: _MAX_VALUE - 1] + "…"


def _time_of(value: Any) -> str | None:
    if isinstance(value, (int, float)):
        return _clock(value / 1000 if value > 1e11 else value)
    if isinstance(value, str):
        match = re.search(r"(\d{2}:\d{2}:\d{2})", value)
        return match.group(1) if match else None
    return None


def format_structured(record: dict[str, Any], level: str | None = None) -> str:
    """`HH:MM:SS LEVEL message k=v …` from a JSON log record."""
    record = dict(record)
    lvl = level
    for key in _LEVEL_KEYS:
        if key in record:
            lvl = str(record.pop(key)).upper()
            break
    message = ""
    for key in _MESSAGE_KEYS:
        if key in record:
            message = str(record.pop(key))
            break
    when = None
    for key in _TIME_KEYS:
        if key in record:
            when = _time_of(record.pop(key))
            break
    trace = next((record.pop(k) for k in _TRACE_KEYS if k in record), None)
    extras = " ".join(
        f"{_SHORT_NAMES.get(k, k)}={_short(v)}"
        for k, v in record.items()
        if k not in _DROP_KEYS and v not in (None, "")
    )
    parts = [when or _clock(), lvl or "INFO", message, extras]
    text = " ".join(p for p in parts if p)
    if trace:  # a traceback stays readable: on its own lines, under the record
        lines = trace if isinstance(trace, list) else str(trace).splitlines()
        text += "".join(f"\n    {line.rstrip()}" for line in lines if str(line).strip())
    return text


def format_function_line(line: str) -> str:
    """A function output line, made readable; unknown shapes pass through with a time stamp."""
    text = line.rstrip("\r\n")
    level = None
    match = _LAMBDA_TEXT.match(text)
    if match:
        level, text = match.group("level"), match.group("msg")
    stripped = text.strip()
    if stripped.startswith("{") and stripped.endswith("}"):
        try:
            record = json.loads(stripped)
        except ValueError:
            record = None
        if isinstance(record, dict):
            return format_structured(record, level)
    return f"{_clock()} {level + ' ' if level else ''}{text}"


class LogSink:
    """Thread-safe writer of prefixed lines to the deployer's console (rich or plain)."""

    def __init__(self, console: _Console | None = None) -> None:
        self._console = console
        self._lock = threading.Lock()

    def line(self, source: str, text: str) -> None:
        text = printable(text, keep_newlines=True)  # a traceback keeps its lines
        out = f"[{source}] {text}"
        with self._lock:
            if self._console is None:
                print(out, flush=True)
            elif isinstance(self._console, Console):
                # A Text is never parsed as markup: the words are the function's, not ours.
                styled = Text()
                styled.append(f"[{source}] ", style=_SOURCE_STYLES.get(source, "bold"))
                styled.append(text, style="red" if _ERROR.search(text) else "")
                self._console.print(styled, highlight=False, soft_wrap=True)
            else:
                self._console.print(out)

    def function(self, name: str, raw_line: str) -> None:
        if raw_line.strip():
            self.line("fn", format_function_line(raw_line))

    def info(self, source: str, message: str) -> None:
        self.line(source, f"{_clock()} {message}")

    def access(self, source: str, method: str, path: str, status: int, millis: float) -> None:
        shown = printable(path)  # one request, one line
        self.line(source, f"{_clock()} {printable(method)} {shown} {status} {millis:.0f}ms")
