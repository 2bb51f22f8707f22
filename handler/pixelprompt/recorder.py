"""One writer per worker invocation for the job record, batching results that arrive together.

Twenty model threads each doing their own compare-and-swap on status.json would collide: when
they all finish at once, every round of retries lets one writer through, so the record costs
O(n^2) S3 requests. Inside one invocation there is no need to race: threads hand their results
to this recorder, which merges whatever has arrived into the record in one conditional write,
then goes back for the next batch. A result therefore reaches /status within one write of
arriving. The write is still a compare-and-swap, so writers in *other* invocations (a retried
worker, the API failing a dispatch) can never be overwritten.
"""

from __future__ import annotations

import contextvars
import logging
import queue
import threading
import time
from typing import Any

from pixelprompt import jobs, log

_log = log.get_logger("recorder")
_STOP = object()


class Recorder:
    def __init__(self, s3: Any, bucket: str, job_id: str) -> None:
        self.s3, self.bucket, self.job_id = s3, bucket, job_id
        self.writes = 0
        self._queue: queue.SimpleQueue[object] = queue.SimpleQueue()
        self._thread = threading.Thread(
            target=contextvars.copy_context().run, args=(self._loop,), name="recorder", daemon=True
        )

    def start(self) -> Recorder:
        self._thread.start()
        return self

    def add(self, result: dict[str, Any]) -> None:
        self._queue.put(result)

    def close(self, timeout: float) -> None:
        """Write what is queued, then stop (the worker's final merge covers anything left)."""
        self._queue.put(_STOP)
        self._thread.join(timeout)

    def _loop(self) -> None:
        while True:
            batch = [self._queue.get()]
            while True:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            results = [item for item in batch if isinstance(item, dict)]
            if results:
                self._write(results)
            if any(item is _STOP for item in batch):
                return

    def _write(self, results: list[dict[str, Any]]) -> None:
        try:
            jobs.update(
                self.s3, self.bucket, self.job_id, lambda d: jobs.merge_all(d, results, time.time())
            )
            self.writes += 1
        except Exception:  # the final merge writes these again
            log.event(_log, logging.ERROR, "could not merge results", count=len(results))
