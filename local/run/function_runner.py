"""Runs a deployed Lambda function's own code in worker processes apart from the server.

Each worker is one execution environment: the handler is imported once (cold start) and module
state persists across invocations (warm). A crash or timeout kills only that worker; the next
invocation starts a new one. Every invocation checks the deployed configuration, so a redeploy
through the local AWS is picked up by the next request without restarting anything.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import shutil
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from .artifact import load_function
from .aws import FAKE_CREDENTIALS, LocalAwsClients
from .cloudwatch import LogShipper
from .logs import LogSink
from .worker_process import WorkerProcess

# Host variables a Python process needs to start; nothing else of ours leaks into the function.
_PASSTHROUGH = ("PATH", "SYSTEMROOT", "WINDIR", "LANG", "LC_ALL", "HOME", "TMPDIR", "TEMP", "TMP")
_INIT_LIMIT_S = 30.0  # Lambda allows 10 s; a cold local import of boto3 + Pillow can be slower


class FunctionNotFound(LookupError):
    pass


class Throttled(RuntimeError):
    """No execution environment became free in time (Lambda's TooManyRequestsException)."""


@dataclass(frozen=True)
class Deployment:
    """One deployed version of the function, as the local AWS describes it."""

    generation: int
    fingerprint: str
    name: str
    arn: str
    handler: str
    timeout_s: float
    memory_mb: int
    code_sha256: str
    code_dir: str
    env: dict[str, str]
    log_group: str
    dead_letter_arn: str | None
    concurrency: int  # environments allowed at once: the pool size, or the reserved concurrency


@dataclass
class InvokeResult:
    request_id: str
    ok: bool
    payload: bytes  # the function's JSON result, or Lambda's error object
    error_type: str | None = None
    duration_ms: float = 0.0
    init_ms: float | None = None  # set on a cold start
    error: dict[str, Any] = field(default_factory=dict)

    @property
    def error_message(self) -> str:
        return str(self.error.get("errorMessage", ""))


def _fingerprint(config: dict[str, Any]) -> str:
    keys = ("CodeSha256", "Handler", "Runtime", "Timeout", "MemorySize", "Environment")
    blob = json.dumps({k: config.get(k) for k in keys}, sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()


def _report_record(
    request_id: str,
    duration_ms: float,
    deployment: Deployment,
    message: dict[str, Any],
    init_ms: float | None,
) -> str:
    """Lambda's REPORT line, tab-separated as in CloudWatch."""
    parts = [
        f"REPORT RequestId: {request_id}",
        f"Duration: {duration_ms:.2f} ms",
        f"Billed Duration: {math.ceil(duration_ms)} ms",
        f"Memory Size: {deployment.memory_mb} MB",
    ]
    if message.get("maxRssMb"):
        parts.append(f"Max Memory Used: {int(message['maxRssMb'])} MB")
    if init_ms is not None:
        parts.append(f"Init Duration: {init_ms:.2f} ms")
    return "\t".join(parts)


def _log_group(config: dict[str, Any]) -> str:
    return (config.get("LoggingConfig") or {}).get("LogGroup") or (
        f"/aws/lambda/{config['FunctionName']}"
    )


class FunctionRunner:
    """The execution environments of one function: a small pool of warm workers."""

    def __init__(
        self,
        aws: LocalAwsClients,
        function_name: str,
        overrides: dict[str, str],
        sink: LogSink,
        max_workers: int = 4,
        shipper: LogShipper | None = None,
    ) -> None:
        self._aws = aws
        self._shipper = shipper
        self.function_name = function_name
        self._overrides = dict(overrides)
        self._sink = sink
        self._max_workers = max(1, max_workers)
        self._cond = threading.Condition()
        self._refresh_lock = threading.Lock()
        self._deployment: Deployment | None = None
        self._code_dirs: list[str] = []
        self._idle: list[WorkerProcess] = []
        self._busy: set[WorkerProcess] = set()
        self._stopped = False

    # --- deployment -------------------------------------------------------------------------

    def _environment(self, config: dict[str, Any], code_dir: str) -> dict[str, str]:
        env = {k: os.environ[k] for k in _PASSTHROUGH if k in os.environ}
        variables = (config.get("Environment") or {}).get("Variables") or {}
        env.update((str(k), str(v)) for k, v in variables.items())  # Lambda's values are strings
        name = config["FunctionName"]
        runtime = config.get("Runtime") or "python3.12"
        # Lambda's reserved variables, which a function's configuration cannot override.
        env.update(
            {
                "AWS_LAMBDA_FUNCTION_NAME": name,
                "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
                "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(config.get("MemorySize") or 128),
                "AWS_LAMBDA_LOG_GROUP_NAME": _log_group(config),
                "AWS_EXECUTION_ENV": f"AWS_Lambda_{runtime}",
                "AWS_REGION": self._aws.region,
                "AWS_DEFAULT_REGION": self._aws.region,
                "LAMBDA_TASK_ROOT": code_dir,
                "_HANDLER": config.get("Handler") or "lambda_function.lambda_handler",
                "TZ": ":UTC",
                "PYTHONDONTWRITEBYTECODE": "1",
                # The function's own AWS calls go to the local AWS with throwaway credentials,
                # never to a profile or config file of this machine.
                "AWS_ENDPOINT_URL": self._aws.endpoint_url,
                "AWS_CONFIG_FILE": os.devnull,
                "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
                **FAKE_CREDENTIALS,
            }
        )
        env.update(self._overrides)
        return env

    def deployment(self) -> Deployment:
        """The current deployment, reloading code and configuration when they changed."""
        try:
            config = self._aws.client("lambda").get_function_configuration(
                FunctionName=self.function_name
            )
        except self._aws.client("lambda").exceptions.ResourceNotFoundException as exc:
            raise FunctionNotFound(self.function_name) from exc
        fingerprint = _fingerprint(config)
        current = self._deployment
        if current is not None and current.fingerprint == fingerprint:
            return current
        with self._refresh_lock:
            current = self._deployment
            if current is not None and current.fingerprint == fingerprint:
                return current
            config, code_dir = load_function(self._aws, self.function_name)
            deployment = Deployment(
                generation=(current.generation + 1) if current else 1,
                fingerprint=_fingerprint(config),
                name=config["FunctionName"],
                arn=config["FunctionArn"],
                handler=config.get("Handler") or "lambda_function.lambda_handler",
                timeout_s=float(config.get("Timeout") or 3),
                memory_mb=int(config.get("MemorySize") or 128),
                code_sha256=config.get("CodeSha256", ""),
                code_dir=code_dir,
                env=self._environment(config, code_dir),
                log_group=_log_group(config),
                dead_letter_arn=(config.get("DeadLetterConfig") or {}).get("TargetArn"),
                concurrency=self._concurrency(config),
            )
            with self._cond:  # together, so that a concurrent prune never sees a half state
                self._code_dirs.append(code_dir)
                self._deployment = deployment
                stale = [w for w in self._idle if w.deployment.generation != deployment.generation]
                self._idle = [w for w in self._idle if w not in stale]
            for worker in stale:
                worker.stop()
            self._prune_code_dirs()
            verb = "loaded" if current is None else "reloaded (new deployment)"
            self._sink.info(
                "fn",
                f"{deployment.name} {verb}: code {deployment.code_sha256[:12]}…, "
                f"timeout {deployment.timeout_s:.0f}s, {deployment.memory_mb} MB",
            )
            return deployment

    def _concurrency(self, config: dict[str, Any]) -> int:
        reserved = (config.get("Concurrency") or {}).get("ReservedConcurrentExecutions")
        if reserved is None:
            return self._max_workers
        if int(reserved) == 0:
            self._sink.info(
                "fn",
                f"{config['FunctionName']}: reserved concurrency 0, so every "
                "invocation is throttled, as in Lambda",
            )
        return min(self._max_workers, int(reserved))

    # --- workers ----------------------------------------------------------------------------

    def _acquire(self, deployment: Deployment, wait_s: float) -> WorkerProcess:
        deadline = time.monotonic() + wait_s
        stale: list[WorkerProcess] = []
        try:
            with self._cond:
                while True:
                    if self._stopped:
                        raise Throttled("the local run is stopping")
                    for worker in list(self._idle):
                        if (
                            worker.deployment.generation != deployment.generation
                            or not worker.alive
                        ):
                            self._idle.remove(worker)
                            stale.append(worker)
                    if self._idle:
                        worker = self._idle.pop()
                        self._busy.add(worker)
                        return worker
                    if len(self._busy) < deployment.concurrency:
                        worker = WorkerProcess(deployment, self._sink, self._shipper)
                        self._busy.add(worker)
                        return worker
                    remaining = deadline - time.monotonic()
                    if deployment.concurrency == 0:
                        raise Throttled("reserved concurrency is 0")
                    if remaining <= 0:
                        raise Throttled(f"all {deployment.concurrency} environments busy")
                    self._cond.wait(min(remaining, 0.5))
        finally:
            for worker in stale:
                worker.stop()

    def _prune_code_dirs(self) -> None:
        """Delete the code of deployments that no environment runs any more."""
        with self._cond:
            current = self._deployment.code_dir if self._deployment else None
            in_use = {w.deployment.code_dir for w in [*self._idle, *self._busy]} | {current}
            unused = [d for d in self._code_dirs if d not in in_use]
            self._code_dirs = [d for d in self._code_dirs if d in in_use]
        for code_dir in unused:
            shutil.rmtree(code_dir, ignore_errors=True)

    def _release(self, worker: WorkerProcess, reusable: bool) -> None:
        with self._cond:
            self._busy.discard(worker)
            current = self._deployment
            keep = (
                reusable
                and not self._stopped
                and worker.alive
                and current is not None
                and worker.deployment.generation == current.generation
            )
            if keep:
                self._idle.append(worker)
            self._cond.notify()
        if not keep:
            worker.stop()
            self._prune_code_dirs()

    def invoke(
        self, payload: bytes, *, request_id: str | None = None, wait_s: float = 900.0
    ) -> InvokeResult:
        """Run one invocation synchronously; never raises for a function failure."""
        request_id = request_id or str(uuid.uuid4())
        try:
            deployment = self.deployment()
        except (FunctionNotFound, Throttled):
            raise
        except Exception as exc:  # e.g. an artifact that is not a zip: this invocation fails
            error = {"errorType": "LocalRun.CodeUnavailable", "errorMessage": str(exc)}
            self._sink.info("fn", f"{self.function_name}: cannot load the deployed code: {exc}")
            return InvokeResult(
                request_id, False, json.dumps(error).encode(), error["errorType"], error=error
            )
        worker = self._acquire(deployment, wait_s)
        cold = not worker.initialized
        started = time.perf_counter()
        if cold:
            init_error = worker.wait_init(max(_INIT_LIMIT_S, deployment.timeout_s))
            if init_error is not None:
                self._release(worker, reusable=False)
                return self._report(
                    InvokeResult(
                        request_id,
                        False,
                        json.dumps(init_error).encode(),
                        init_error.get("errorType"),
                        0.0,
                        None,
                        init_error,
                    ),
                    deployment,
                )
        request = {
            "requestId": request_id,
            "payload": payload.decode("utf-8") if payload else "",
            "functionName": deployment.name,
            "invokedFunctionArn": deployment.arn,
            "memoryMb": deployment.memory_mb,
            "deadlineMs": int(time.time() * 1000 + deployment.timeout_s * 1000),
        }
        worker.ship(f"START RequestId: {request_id} Version: $LATEST")
        message = worker.run(request, deployment.timeout_s)
        duration = float(message.get("ms") or (time.perf_counter() - started) * 1000)
        init_ms = worker.init_ms if cold else None
        if message.get("crashed"):  # Lambda logs why the environment went away
            worker.ship(str((message.get("error") or {}).get("errorMessage", "")))
        worker.ship(f"END RequestId: {request_id}")
        worker.ship(_report_record(request_id, duration, deployment, message, init_ms))
        self._release(worker, reusable=not message.get("crashed"))
        if message.get("ok"):
            result = InvokeResult(
                request_id, True, str(message["payload"]).encode(), None, duration, init_ms
            )
        else:
            error = dict(message.get("error") or {})
            result = InvokeResult(
                request_id,
                False,
                json.dumps(error).encode(),
                error.get("errorType"),
                duration,
                init_ms,
                error,
            )
        return self._report(result, deployment)

    def _report(self, result: InvokeResult, deployment: Deployment) -> InvokeResult:
        cold = f" (cold start, init {result.init_ms:.0f}ms)" if result.init_ms is not None else ""
        status = "ok" if result.ok else f"error {result.error_type}"
        self._sink.info(
            "fn",
            f"REPORT {deployment.name} {result.request_id[:8]} {result.duration_ms:.0f}ms "
            f"{status}{cold}",
        )
        return result

    def worker_pids(self) -> list[int]:
        with self._cond:
            return [w.pid for w in [*self._idle, *self._busy] if w.alive]

    def stop(self) -> None:
        with self._cond:
            self._stopped = True
            workers = [*self._idle, *self._busy]
            self._idle.clear()
            self._busy.clear()
            self._cond.notify_all()
        for worker in workers:  # all at once: a stop must not take a second per worker
            worker.begin_stop()
        for worker in workers:
            worker.finish_stop()
        for code_dir in self._code_dirs:
            shutil.rmtree(code_dir, ignore_errors=True)


class FunctionRegistry:
    """Runners for the functions of the local AWS, created on first use (name or ARN)."""

    def __init__(
        self,
        aws: LocalAwsClients,
        overrides: dict[str, str],
        sink: LogSink,
        max_workers: int = 4,
        shipper: LogShipper | None = None,
    ) -> None:
        self._aws = aws
        self._shipper = shipper
        self._overrides = overrides
        self._sink = sink
        self._max_workers = max_workers
        self._runners: dict[str, FunctionRunner] = {}
        self._lock = threading.Lock()
        self._stopped = False

    @staticmethod
    def function_name(name_or_arn: str) -> str:
        """`arn:aws:lambda:r:acct:function:NAME[:qualifier]` or `NAME[:qualifier]` -> NAME."""
        if name_or_arn.startswith("arn:"):
            return name_or_arn.split(":")[6]
        return name_or_arn.split(":", 1)[0]

    def get(self, name_or_arn: str) -> FunctionRunner:
        name = self.function_name(name_or_arn)
        with self._lock:
            if self._stopped:
                raise Throttled("the local run is stopping")
            runner = self._runners.get(name)
            if runner is None:
                runner = FunctionRunner(
                    self._aws, name, self._overrides, self._sink, self._max_workers, self._shipper
                )
                self._runners[name] = runner
            return runner

    def worker_pids(self) -> list[int]:
        with self._lock:
            runners = list(self._runners.values())
        return [pid for runner in runners for pid in runner.worker_pids()]

    def stop(self) -> None:
        with self._lock:
            self._stopped = True
            runners = list(self._runners.values())
        for runner in runners:
            runner.stop()
