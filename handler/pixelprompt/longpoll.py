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

MAX_WAIT_SECONDS = 20
RECHECK_SECONDS = 0.15
STAMP = re.compile(r"[0-9T:.Z-]{1,40}")  # an updatedAt as /status hands it out

Doc = dict[str, Any]


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
