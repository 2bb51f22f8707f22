"""GET /status?wait=N&since=<updatedAt>: answer as soon as the job record changes, or after N s.

Why long-polling: a page that polls on a schedule shows a result up to one interval after it was
recorded, and getting that under half a second would take more than two requests a second. With
a bounded wait the page asks once, the function re-reads the record until it differs from what
the page last saw (its `updatedAt`), and the answer leaves within one re-read of the change. A
plain GET /status (no `wait`) stays what it was: exactly one S3 GET.

The wait is bounded well below API Gateway's 30 s integration timeout, and each re-read is one
small S3 GET, so a 20 s wait costs at most ~130 GETs; the function's own billed duration is the
real cost of the wait, which is argued in frontend/README.md.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any

from pixelprompt.errors import BadRequest

MAX_WAIT_SECONDS = 20
RECHECK_SECONDS = 0.15
_WHOLE = re.compile(r"[0-9]{1,3}")  # ASCII digits only: str.isdigit also takes "²"
_STAMP = re.compile(r"[0-9T:.Z-]{1,40}")

Doc = dict[str, Any]


def wait_seconds(query: dict[str, str]) -> float:
    """The `wait` parameter: 0 (absent) to MAX_WAIT_SECONDS whole seconds, or a 400."""
    raw = query.get("wait")
    if raw is None or raw == "":
        return 0.0
    if not _WHOLE.fullmatch(raw) or int(raw) > MAX_WAIT_SECONDS:
        raise BadRequest(
            f"wait must be a whole number of seconds from 0 to {MAX_WAIT_SECONDS}.",
            code="INVALID_PARAMETER",
        )
    return float(int(raw))


def since_stamp(query: dict[str, str]) -> str | None:
    """The `since` parameter: the `updatedAt` the client last saw, or None."""
    raw = query.get("since")
    if raw is None or raw == "":
        return None
    if not _STAMP.fullmatch(raw):
        raise BadRequest(
            "since must be the updatedAt value of an earlier /status answer.",
            code="INVALID_PARAMETER",
        )
    return raw


def until_changed(
    read_view: Callable[[], Doc],
    since: str | None,
    wait: float,
    *,
    terminal: set[str],
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> Doc:
    """The first view that differs from `since` (or is terminal), else the last one read."""
    deadline = clock() + wait
    view = read_view()
    while (
        since is not None
        and view.get("updatedAt") == since
        and view.get("status") not in terminal
        and clock() + RECHECK_SECONDS < deadline
    ):
        sleep(RECHECK_SECONDS)
        view = read_view()
    return view
