"""One execution environment as a child process: `_worker.py` speaking JSON lines.

Results come back on the child's stdout, its log lines on stderr (the function's stdout is
redirected there), so print() in the function can never corrupt the protocol.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import subprocess
import sys
import threading
import time
from typing import TYPE_CHECKING, Any

from .cloudwatch import LogShipper, stream_name
from .logs import LogSink

if TYPE_CHECKING:
    from .function_runner import Deployment

WORKER_SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "_worker.py")
_STOP_GRACE_S = 2.0
_LOG_WAIT_S = 1.0
_LOG_END_MARK = "\x1elocalrun:end "  # written by _worker.py after each invocation's logs


def error_payload(error_type: str, message: str) -> dict[str, Any]:
    """Lambda's error object."""
    return {"errorMessage": message, "errorType": error_type}


class WorkerProcess:
    """One `_worker.py` child: JSON lines in on stdin, out on stdout; stderr is its log."""

    def __init__(
        self, deployment: Deployment, sink: LogSink, shipper: LogShipper | None = None
    ) -> None:
        self.deployment = deployment
        self.log_stream = stream_name()  # one CloudWatch stream per environment, as in Lambda
        self._shipper = shipper
        self.init_ms: float | None = None
        self.initialized = False
        self._messages: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self._logs_done: queue.Queue[str] = queue.Queue()  # request ids whose logs are printed
        kwargs: dict[str, Any] = {}
        if os.name == "posix":
            kwargs["start_new_session"] = True  # Ctrl-C reaches the server, which stops us
        else:
            kwargs["creationflags"] = subprocess.CREATE_NEW_PROCESS_GROUP  # type: ignore[attr-defined]
        self._proc = subprocess.Popen(
            [
                sys.executable,
                "-u",
                WORKER_SCRIPT,
                deployment.code_dir,
                deployment.handler,
                str(os.getpid()),
            ],  # the server: the worker exits when it is gone
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=deployment.code_dir,
            env={**deployment.env, "AWS_LAMBDA_LOG_STREAM_NAME": self.log_stream},
            text=True,
            encoding="utf-8",
            errors="replace",
            bufsize=1,
            **kwargs,
        )
        self._sink = sink
        self._threads = [
            threading.Thread(target=self._read_messages, daemon=True, name="worker-out"),
            threading.Thread(target=self._pump_logs, daemon=True, name="worker-log"),
        ]
        for thread in self._threads:
            thread.start()

    @property
    def pid(self) -> int:
        return self._proc.pid

    @property
    def alive(self) -> bool:
        return self._proc.poll() is None

    def _read_messages(self) -> None:
        assert self._proc.stdout is not None
        for line in self._proc.stdout:
            try:
                self._messages.put(json.loads(line))
            except ValueError:
                self._sink.function(self.deployment.name, line)
        self._messages.put(None)  # EOF: the worker is gone

    def _pump_logs(self) -> None:
        assert self._proc.stderr is not None
        for line in self._proc.stderr:
            if line.startswith(_LOG_END_MARK):
                self._logs_done.put(line[len(_LOG_END_MARK) :].strip())
                continue
            self._sink.function(self.deployment.name, line)
            self.ship(line.rstrip("\n"))

    def ship(self, message: str) -> None:
        """To this environment's CloudWatch stream (when the local run ships logs)."""
        if self._shipper is not None and message:
            self._shipper.put(self.deployment.log_group, self.log_stream, message)

    def _next(self, timeout: float) -> dict[str, Any] | None:
        """The next message; None if the worker died; raises queue.Empty on timeout."""
        return self._messages.get(timeout=max(0.0, timeout))

    def _exit_description(self) -> str:
        try:
            code = self._proc.wait(timeout=2)
        except subprocess.TimeoutExpired:
            return "Runtime exited without providing a reason"
        if code < 0:
            return f"Runtime exited with error: signal {-code}"
        return f"Runtime exited with error: exit status {code}"

    def wait_init(self, timeout: float) -> dict[str, Any] | None:
        """None when the handler imported; else Lambda's init error object."""
        started = time.perf_counter()
        try:
            message = self._next(timeout)
        except queue.Empty:
            self.kill()
            return error_payload(
                "Runtime.InitTimeout", f"Init phase did not finish within {timeout:.0f} seconds"
            )
        if message is None:
            return error_payload("Runtime.ExitError", self._exit_description())
        if not message.get("ok"):
            self.kill()
            return dict(message.get("error") or error_payload("Runtime.Unknown", "init failed"))
        self.initialized = True
        self.init_ms = float(message.get("ms") or (time.perf_counter() - started) * 1000)
        return None

    def run(self, request: dict[str, Any], timeout: float) -> dict[str, Any]:
        """The worker's result message, or a synthesized error message on timeout or crash."""
        assert self._proc.stdin is not None
        try:
            self._proc.stdin.write(json.dumps(request) + "\n")
            self._proc.stdin.flush()
        except (BrokenPipeError, OSError, ValueError):
            error = error_payload("Runtime.ExitError", self._exit_description())
            return {"ok": False, "error": error, "crashed": True}
        try:
            message = self._next(timeout)
        except queue.Empty:
            self.kill()
            stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
            text = f"{stamp} {request['requestId']} Task timed out after {timeout:.2f} seconds"
            return {"ok": False, "error": error_payload("Sandbox.Timedout", text), "crashed": True}
        if message is not None:
            self._await_logs(request["requestId"])
        if message is None:
            text = f"RequestId: {request['requestId']} Error: {self._exit_description()}"
            return {
                "ok": False,
                "error": error_payload("Runtime.ExitError", text),
                "crashed": True,
            }
        return message

    def _await_logs(self, request_id: str) -> None:
        """Until the invocation's log lines are printed (bounded: logs never block a result)."""
        deadline = time.monotonic() + _LOG_WAIT_S
        while (remaining := deadline - time.monotonic()) > 0:
            try:
                if self._logs_done.get(timeout=remaining) == request_id:
                    return
            except queue.Empty:
                return

    def kill(self) -> None:
        if self._proc.poll() is None:
            self._proc.kill()
        self._reap()

    def begin_stop(self) -> None:
        """SIGTERM, as Lambda's shutdown phase sends; the interpreter's own teardown of a
        warm environment (thread pools, connection pools) would take about a second."""
        if self._proc.poll() is None:
            with contextlib.suppress(OSError, ValueError):
                if self._proc.stdin:
                    self._proc.stdin.close()
            with contextlib.suppress(OSError):
                self._proc.terminate()

    def finish_stop(self) -> None:
        """Wait for the exit begun by begin_stop(); SIGKILL after a grace period."""
        try:
            self._proc.wait(timeout=_STOP_GRACE_S)
        except subprocess.TimeoutExpired:
            self._proc.kill()
        self._reap()

    def stop(self) -> None:
        self.begin_stop()
        self.finish_stop()

    def _reap(self) -> None:
        with contextlib.suppress(subprocess.TimeoutExpired):
            self._proc.wait(timeout=5)
        for thread in self._threads:
            thread.join(timeout=1)
        for stream in (self._proc.stdin, self._proc.stdout, self._proc.stderr):
            try:
                if stream:
                    stream.close()
            except OSError:
                pass
