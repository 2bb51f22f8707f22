"""One Lambda execution environment: imports the handler once, then serves invocations.

Run as a script (stdlib only) by function_runner: `python -u _worker.py <task_root> <handler>`.
Protocol: one JSON request per line on stdin; one JSON message per line on the original stdout.
The function's own stdout is redirected to stderr, so print() never corrupts the protocol and
every line the function writes reaches the parent's log stream.
"""

from __future__ import annotations

import importlib
import json
import logging
import os
import sys
import threading
import time
import traceback
from typing import Any

_current_request_id = ""
LOG_END_MARK = "\x1elocalrun:end "  # keep in sync with function_runner._LOG_END_MARK


class _Context:
    """The subset of LambdaContext that handlers use."""

    def __init__(self, request: dict[str, Any]) -> None:
        self.aws_request_id: str = request["requestId"]
        self.function_name: str = request["functionName"]
        self.function_version: str = request.get("functionVersion", "$LATEST")
        self.invoked_function_arn: str = request["invokedFunctionArn"]
        self.memory_limit_in_mb: str = str(request.get("memoryMb", 128))
        self.log_group_name: str = f"/aws/lambda/{self.function_name}"
        self.log_stream_name: str = request.get("logStream", "local")
        self.identity = None
        self.client_context = None
        self._deadline_ms: int = request["deadlineMs"]

    def get_remaining_time_in_millis(self) -> int:
        return max(0, self._deadline_ms - int(time.time() * 1000))


class _RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.aws_request_id = _current_request_id
        return True


def _install_lambda_logging() -> None:
    # The Python runtime puts one handler on the root logger in this text format, which is why
    # logging.basicConfig() is a no-op inside Lambda; reproduce both.
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(
        logging.Formatter(
            "[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s",
            "%Y-%m-%dT%H:%M:%S",
        )
    )
    handler.formatter.converter = time.gmtime  # type: ignore[union-attr]
    handler.addFilter(_RequestIdFilter())
    logging.getLogger().addHandler(handler)


def _error(exc: BaseException, error_type: str | None = None, skip: int = 0) -> dict[str, Any]:
    tb = exc.__traceback__
    for _ in range(skip):  # drop this runtime's own frames, as Lambda's trace starts in the handler
        if tb is not None and tb.tb_next is not None:
            tb = tb.tb_next
    # Import machinery frames say nothing about the function's code.
    frames = [
        f
        for f in traceback.extract_tb(tb)
        if not f.filename.startswith("<frozen importlib")
        and not f.filename.endswith(("importlib/__init__.py", "_worker.py"))
    ]
    return {
        "errorMessage": str(exc),
        "errorType": error_type or type(exc).__name__,
        "stackTrace": traceback.format_list(frames),
    }


def _log_error(err: dict[str, Any]) -> None:
    # Lambda logs an unhandled exception as one "[ERROR] Type: message" record with the trace.
    trace = "".join(err.get("stackTrace") or [])
    print(f"[ERROR] {err['errorType']}: {err['errorMessage']}\n{trace}".rstrip(), flush=True)


def _max_rss_mb() -> int | None:
    """Peak memory of this environment, for Lambda's "Max Memory Used"."""
    try:
        import resource
    except ImportError:  # not on Windows
        return None
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak // (1024 * 1024) if sys.platform == "darwin" else peak // 1024


def _exit_with_parent(parent: int) -> None:
    """End this environment if the server (`parent`, the pid that started it) dies without
    stopping it (e.g. SIGKILL): stdin EOF only ends the loop between invocations, and a job may
    run for minutes. The pid comes from the server, not getppid(): on a busy machine the server
    can die before this line runs, and by then getppid() is already the reaper's."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(1)

    threading.Thread(target=watch, daemon=True, name="parent-watch").start()


def main() -> int:
    global _current_request_id
    task_root, handler_spec = sys.argv[1], sys.argv[2]
    _exit_with_parent(int(sys.argv[3]) if len(sys.argv) > 3 else os.getppid())
    proto = os.fdopen(os.dup(1), "w", buffering=1, encoding="utf-8")
    os.dup2(2, 1)
    sys.stdout = open(1, "w", buffering=1, encoding="utf-8", closefd=False)  # noqa: SIM115

    # The artifact goes AFTER site-packages: its compiled wheels target the Lambda runtime's
    # interpreter, so third-party packages must come from here; its own modules are unique.
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != here]
    sys.path.append(task_root)
    _install_lambda_logging()

    def send(message: dict[str, Any]) -> None:
        proto.write(json.dumps(message) + "\n")
        proto.flush()

    started = time.perf_counter()
    module_name, _, function_name = handler_spec.rpartition(".")
    try:
        module = importlib.import_module(module_name.replace("/", "."))
        handler = getattr(module, function_name)
    except ImportError as exc:
        err = _error(exc, "Runtime.ImportModuleError")
        err["errorMessage"] = f"Unable to import module '{module_name}': {exc}"
        _log_error(err)
        send({"type": "init", "ok": False, "error": err})
        return 1
    except AttributeError as exc:
        err = _error(exc, "Runtime.HandlerNotFound")
        err["errorMessage"] = f"Handler '{function_name}' missing on module '{module_name}'"
        _log_error(err)
        send({"type": "init", "ok": False, "error": err})
        return 1
    except Exception as exc:  # init code raised: Lambda reports it and resets the environment
        err = _error(exc)
        _log_error(err)
        send({"type": "init", "ok": False, "error": err})
        return 1
    send({"type": "init", "ok": True, "ms": (time.perf_counter() - started) * 1000})

    for line in sys.stdin:  # ends when the parent closes stdin
        request = json.loads(line)
        _current_request_id = request["requestId"]
        began = time.perf_counter()
        try:
            event = json.loads(request["payload"]) if request["payload"] else {}
            result = handler(event, _Context(request))
            try:
                payload = json.dumps(result)
            except (TypeError, ValueError) as exc:
                err = _error(exc, "Runtime.MarshalError")
                err["errorMessage"] = f"Unable to marshal response: {exc}"
                raise _Marshal(err) from exc
            reply: dict[str, Any] = {"type": "result", "ok": True, "payload": payload}
        except _Marshal as exc:
            reply = {"type": "result", "ok": False, "error": exc.err}
            _log_error(exc.err)
        except Exception as exc:
            err = _error(exc, skip=1)
            err["requestId"] = _current_request_id
            _log_error(err)
            reply = {"type": "result", "ok": False, "error": err}
        reply["ms"] = (time.perf_counter() - began) * 1000
        reply["maxRssMb"] = _max_rss_mb()
        sys.stdout.flush()
        # After the invocation's last log line, on the same pipe: lets the server print its
        # REPORT line after the function's own lines, as Lambda's log stream orders them.
        sys.stderr.write(f"{LOG_END_MARK}{request['requestId']}\n")
        sys.stderr.flush()
        send(reply)
        _current_request_id = ""
    return 0


class _Marshal(Exception):
    def __init__(self, err: dict[str, Any]) -> None:
        super().__init__(err["errorMessage"])
        self.err = err


if __name__ == "__main__":
    sys.exit(main())
