"""The deployed artifact runs in worker processes: warm state, isolation, timeouts, redeploys."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time

import pytest

from local.run.aws import LocalAwsClients
from local.run.cloudwatch import LogShipper
from local.run.function_runner import FunctionNotFound, FunctionRegistry
from local.run.worker_process import WORKER_SCRIPT
from tests.localrun.support import Deployed, ListSink


def _body(payload: bytes) -> dict:
    return json.loads(json.loads(payload)["body"])


@pytest.fixture(scope="module")
def fn(aws: LocalAwsClients) -> Deployed:
    return Deployed(aws, timeout=2)


def test_cold_once_then_warm_with_module_state(fn: Deployed, registry: FunctionRegistry) -> None:
    runner = registry.get(fn.name)
    first = runner.invoke(b"{}")
    second = runner.invoke(b"{}")
    assert first.ok and second.ok
    assert first.init_ms is not None and first.init_ms > 0
    assert second.init_ms is None
    a, b = _body(first.payload), _body(second.payload)
    assert (a["count"], b["count"]) == (1, 2)  # module state persisted: same environment
    assert a["pid"] == b["pid"] != os.getpid()  # in a process apart from the server
    assert 0 < b["remaining"] <= 2000  # context deadline from the deployed Timeout
    assert b["requestId"] == second.request_id


def test_environment_and_sys_path(fn: Deployed, registry: FunctionRegistry, aws) -> None:
    body = _body(registry.get(fn.name).invoke(b"{}").payload)
    env = body["env"]
    assert env["DEPLOYED_VAR"] == "from-config"  # the deployed configuration
    assert env["AWS_ENDPOINT_URL"] == aws.endpoint_url  # its AWS calls go to the local AWS
    assert env["AWS_LAMBDA_FUNCTION_NAME"] == fn.name
    assert env["AWS_REGION"] == "us-east-1"
    assert env["AWS_ACCESS_KEY_ID"] == "testing"
    assert env["CLOUDFRONT_DOMAIN"] == "http://127.0.0.1:9"  # the local override wins
    # The handler comes from the artifact, third-party packages from this environment.
    assert body["paths"]["handler"].startswith(env["LAMBDA_TASK_ROOT"])
    assert "site-packages" in body["paths"]["boto3"]


def test_handler_error_keeps_the_environment(fn: Deployed, registry: FunctionRegistry) -> None:
    runner = registry.get(fn.name)
    pid = _body(runner.invoke(b"{}").payload)["pid"]
    failed = runner.invoke(b'{"do": "raise"}')
    assert not failed.ok
    assert failed.error_type == "ValueError"
    assert json.loads(failed.payload)["errorMessage"] == "boom from v1"
    assert _body(runner.invoke(b"{}").payload)["pid"] == pid


def test_crash_is_isolated_and_next_call_is_a_cold_start(
    fn: Deployed, registry: FunctionRegistry, sink: ListSink
) -> None:
    runner = registry.get(fn.name)
    pid = _body(runner.invoke(b"{}").payload)["pid"]
    crashed = runner.invoke(b'{"do": "crash"}')
    assert not crashed.ok
    assert crashed.error_type == "Runtime.ExitError"
    assert "exit status 3" in crashed.error_message
    after = runner.invoke(b"{}")
    assert after.ok and after.init_ms is not None
    assert _body(after.payload)["pid"] != pid
    assert any("Runtime.ExitError" in line for line in sink.lines)


def test_timeout_kills_only_that_environment(fn: Deployed, registry: FunctionRegistry) -> None:
    runner = registry.get(fn.name)
    timed_out = runner.invoke(b'{"do": "sleep", "s": 30}')
    assert not timed_out.ok
    assert timed_out.error_type == "Sandbox.Timedout"
    assert "Task timed out after 2.00 seconds" in timed_out.error_message
    assert runner.invoke(b"{}").ok


def test_redeploy_is_picked_up_by_the_next_invocation(aws: LocalAwsClients, sink) -> None:
    fn = Deployed(aws, timeout=5)
    registry = FunctionRegistry(aws, {}, sink, max_workers=2)
    try:
        runner = registry.get(fn.name)
        assert _body(runner.invoke(b"{}").payload)["version"] == "v1"
        old_pids = runner.worker_pids()
        fn.redeploy("v2")
        result = runner.invoke(b"{}")
        assert _body(result.payload)["version"] == "v2"
        assert result.init_ms is not None  # new code means a new environment
        assert not set(old_pids) & set(runner.worker_pids())
    finally:
        registry.stop()


def test_unloadable_code_fails_the_invocation_not_the_runner(aws: LocalAwsClients, sink) -> None:
    fn = Deployed(aws, timeout=5)
    registry = FunctionRegistry(aws, {}, sink, max_workers=1)
    try:
        runner = registry.get(fn.name)
        assert runner.invoke(b"{}").ok
        fn.redeploy("broken", body=b"this is not a zip")
        broken = runner.invoke(b"{}")
        assert not broken.ok and broken.error_type == "LocalRun.CodeUnavailable"
        assert "not a usable zip" in broken.error_message
        fn.redeploy("v3")
        assert _body(runner.invoke(b"{}").payload)["version"] == "v3"
    finally:
        registry.stop()


def test_unknown_function(registry: FunctionRegistry) -> None:
    with pytest.raises(FunctionNotFound):
        registry.get("arn:aws:lambda:us-east-1:123456789012:function:nope").invoke(b"{}")


def test_stop_leaves_no_worker_process(fn: Deployed, aws: LocalAwsClients, sink) -> None:
    registry = FunctionRegistry(aws, {}, sink, max_workers=2)
    registry.get(fn.name).invoke(b"{}")
    pids = registry.worker_pids()
    assert pids
    registry.stop()
    for pid in pids:
        with pytest.raises(OSError):
            os.kill(pid, 0)


def _alive(pid: int) -> bool:
    """Running, as opposed to gone or a zombie nobody reaped yet."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize("settle_s", [0.5, 0.0], ids=["while it runs", "before it watches"])
def test_a_busy_worker_exits_when_its_server_is_killed(tmp_path, settle_s: float) -> None:
    (tmp_path / "lambda_function.py").write_text(
        "import time\n\ndef lambda_handler(event, context):\n    time.sleep(60)\n"
    )
    request = json.dumps(
        {
            "requestId": "r1",
            "payload": "{}",
            "functionName": "f",
            "invokedFunctionArn": "arn:aws:lambda:us-east-1:123456789012:function:f",
            "deadlineMs": 2**42,
        }
    )
    # A stand-in server: starts a worker, hands it a long invocation, then is SIGKILLed.
    script = (
        "import os, subprocess, sys, time\n"
        f"p = subprocess.Popen([sys.executable, {WORKER_SCRIPT!r}, {str(tmp_path)!r}, "
        "'lambda_function.lambda_handler', str(os.getpid())], stdin=subprocess.PIPE, "
        "stdout=subprocess.DEVNULL)\n"
        f"p.stdin.write({(request + chr(10)).encode()!r}); p.stdin.flush()\n"
        "print(p.pid, flush=True)\n"
        "time.sleep(60)\n"
    )
    parent = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert parent.stdout is not None
    pid = int(parent.stdout.readline())
    time.sleep(settle_s)  # 0: killed while the worker's Python is still starting
    assert _alive(pid)
    parent.kill()
    parent.wait(timeout=10)
    deadline = time.monotonic() + 5
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _alive(pid)


def test_reserved_concurrency_caps_the_environments(aws: LocalAwsClients, sink) -> None:
    fn = Deployed(aws, timeout=10)
    aws.client("lambda").put_function_concurrency(
        FunctionName=fn.name, ReservedConcurrentExecutions=1
    )
    registry = FunctionRegistry(aws, {}, sink, max_workers=3)
    try:
        runner = registry.get(fn.name)
        runner.invoke(b"{}")  # cold start outside the measurement
        results: list = []
        started = time.perf_counter()
        threads = [
            threading.Thread(
                target=lambda: results.append(runner.invoke(b'{"do": "sleep", "s": 0.5}'))
            )
            for _ in range(2)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=20)
        elapsed = time.perf_counter() - started
        assert [r.ok for r in results] == [True, True]
        assert len({_body(r.payload)["pid"] for r in results}) == 1  # one environment, in turn
        assert elapsed >= 1.0
    finally:
        registry.stop()


class _SlowSink(ListSink):
    """A terminal slower than the function's output, as a real one can be."""

    def line(self, source: str, text: str) -> None:
        if source == "fn" and "REPORT" not in text:
            time.sleep(0.001)
        super().line(source, text)


def test_report_line_follows_the_invocations_own_log_lines(fn: Deployed, aws) -> None:
    sink = _SlowSink()
    registry = FunctionRegistry(aws, {}, sink, max_workers=1)
    try:
        runner = registry.get(fn.name)
        for _ in range(2):  # results and logs travel on two pipes; the order must hold
            result = runner.invoke(b'{"do": "logmany"}')
            lines = list(sink.lines)
            report = next(i for i, line in enumerate(lines) if result.request_id[:8] in line)
            last = max(i for i, line in enumerate(lines) if line.endswith("INFO line 299"))
            assert last < report
            assert not any("localrun:end" in line for line in lines)
            sink.lines.clear()
    finally:
        registry.stop()


def test_logs_reach_the_functions_cloudwatch_stream(fn: Deployed, aws, sink) -> None:
    shipper = LogShipper(aws, sink)
    registry = FunctionRegistry(aws, {}, sink, max_workers=1, shipper=shipper)
    try:
        result = registry.get(fn.name).invoke(b'{"do": "log"}')
        stream = _body(registry.get(fn.name).invoke(b"{}").payload)["env"]
    finally:
        registry.stop()
        shipper.stop()  # ships what is queued
    logs = aws.client("logs")
    group = f"/aws/lambda/{fn.name}"
    (stream_info,) = logs.describe_log_streams(logGroupName=group)["logStreams"]
    name = stream_info["logStreamName"]
    assert name.endswith(stream["AWS_LAMBDA_LOG_STREAM_NAME"].rsplit("]", 1)[1])
    messages = [
        e["message"] for e in logs.get_log_events(logGroupName=group, logStreamName=name)["events"]
    ]
    rid = result.request_id
    start = messages.index(f"START RequestId: {rid} Version: $LATEST")
    line = next(i for i, m in enumerate(messages) if "generate accepted" in m)
    end = messages.index(f"END RequestId: {rid}")
    report = next(i for i, m in enumerate(messages) if m.startswith(f"REPORT RequestId: {rid}"))
    assert start < line < end < report
    assert "Init Duration:" in messages[report] and "Memory Size: 256 MB" in messages[report]
