"""GET /status?wait=N&since=<updatedAt>: answer when a result changes, or after N seconds.

Why long-polling: a page that polls on a schedule shows a result up to one interval after it was
recorded, and getting that under half a second would take more than two requests a second. With
a bounded wait the page asks once and the function re-reads the record until a model's result
has changed, so the answer leaves within one re-read (150 ms) of the change.

What wakes a wait: `since` names the record the client holds (its `updatedAt`). If the record
has moved on already, the answer is immediate. Otherwise the function keeps the record as the
client's baseline and answers when any model's result differs from it (finished, failed,
retried: status among the final ones, or attempt) or the job has ended, after one more re-read
200 ms later that gathers models finishing together into one answer. Bookkeeping changes, such
as the worker marking models in progress, do not spend one of the client's requests.

A plain GET /status (no `wait`) stays what it was: exactly one S3 GET. The wait is bounded well
below API Gateway's 30 s integration timeout, and each re-read is one small S3 GET, so a 20 s
wait costs at most ~130 GETs; the function's billed duration is the real cost of the wait,
argued in docs/PAGE.md.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any

MAX_WAIT_SECONDS = 20
RECHECK_SECONDS = 0.15
# After a change, one more re-read this much later: models that finish together land in
# separate record writes a few tens of ms apart, and one answer for the clump spends one of
# the client's requests instead of several (the page holds itself to ~1 request a second).
LINGER_SECONDS = 0.2
STAMP = re.compile(r"[0-9T:.Z-]{1,40}")  # an updatedAt as /status hands it out
FINAL = {"completed", "error"}

Doc = dict[str, Any]


def progress(view: Doc) -> tuple[tuple[Any, ...], ...]:
    """What a client shows of each result: final status (or none yet) and attempt."""
    return tuple(
        (r.get("index"), r.get("status") if r.get("status") in FINAL else None, r.get("attempt"))
        for r in view.get("results", [])
    )


def until_changed(
    read_view: Callable[[], Doc],
    since: str | None,
    wait: float,
    *,
    terminal: set[str],
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> Doc:
    """The first view whose results differ from the client's (or that is terminal), else the
    last one read when the wait runs out."""
    deadline = clock() + wait
    view = read_view()
    if since is None or view.get("updatedAt") != since or view.get("status") in terminal:
        return view
    baseline = progress(view)
    while clock() + RECHECK_SECONDS < deadline:
        sleep(RECHECK_SECONDS)
        view = read_view()
        if view.get("status") in terminal:
            break
        if progress(view) != baseline:
            if clock() + LINGER_SECONDS < deadline:
                sleep(LINGER_SECONDS)
                view = read_view()
            break
    return view
