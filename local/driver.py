"""The real local run, driven from outside: `deploy.py --local` as a subprocess, HTTP only.

Shared by the hardening and end-to-end tests and by the benchmarks (bench/load.py).

Everything the run says or answers is kept (`LocalStack.transcript`) so that a test can search it
for secrets. Clients can bind to any 127.0.0.X source address: the API emulator takes
`requestContext.http.sourceIp` from the TCP peer, so that is how a test plays many clients.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]  # the project
START_TIMEOUT_S = 240.0  # a cold packaging cache downloads the Lambda wheels once
STOP_TIMEOUT_S = 30.0
TERMINAL = {"completed", "partial", "failed"}
FAKE_AWS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
}


def parameters(
    models: list[tuple[str, str]],
    *,
    ip_limit: int = 100_000,
    global_limit: int = 100_000,
    whitelist: str = "",
    prompt_model: int = 1,
) -> dict[str, Any]:
    """A parameters file's content: `models` are (name, key) pairs in slot order."""
    params: dict[str, Any] = {
        "Environment": "dev",
        "ModelCount": len(models),
        "PromptModelIndex": prompt_model,
        "GlobalRateLimit": global_limit,
        "IPRateLimit": ip_limit,
        "IPWhitelist": whitelist,
    }
    for n, (name, key) in enumerate(models, start=1):
        params[f"Model{n}Name"] = name
        params[f"Model{n}Key"] = key
    return {"Parameters": params}


@dataclass
class Reply:
    status: int
    headers: dict[str, str]  # lower-cased names
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class LocalStack:
    proc: subprocess.Popen[str]
    outputs: dict[str, str]
    output_lines: list[str]
    transcript: list[str] = field(default_factory=list)  # every HTTP exchange, as text
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _clients: dict[str, Any] = field(default_factory=dict)
    _reader: threading.Thread | None = None

    # ---- HTTP ---------------------------------------------------------------------------------

    @property
    def api(self) -> str:
        return self.outputs["LocalApiEndpoint"].rstrip("/")

    @property
    def sim(self) -> str:
        return self.outputs["LocalProviderSimulatorUrl"].rstrip("/")

    def request(
        self,
        method: str,
        url: str,
        body: Any = None,
        *,
        source: str = "127.0.0.1",
        headers: dict[str, str] | None = None,
        timeout: float = 60.0,
    ) -> Reply:
        """One HTTP exchange from `source` (a 127.0.0.X address); recorded in the transcript."""
        parts = urlsplit(url)
        assert parts.hostname and parts.hostname.startswith("127."), f"not loopback: {url}"
        data = body if isinstance(body, bytes | None) else json.dumps(body).encode()
        sent = {"Content-Type": "application/json", **(headers or {})}
        conn = http.client.HTTPConnection(
            parts.hostname, parts.port, timeout=timeout, source_address=(source, 0)
        )
        try:
            path = parts.path + (f"?{parts.query}" if parts.query else "")
            conn.request(method, path or "/", body=data, headers=sent)
            resp = conn.getresponse()
            reply = Reply(resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read())
        finally:
            conn.close()
        with self._lock:
            self.transcript.append(
                f"{method} {url} -> {reply.status} {reply.headers} "
                f"{reply.body.decode('utf-8', 'replace')}"
            )
        return reply

    def call(self, method: str, path: str, body: Any = None, **kw: Any) -> Reply:
        return self.request(method, self.api + path, body, **kw)

    def control(self, method: str, path: str, body: Any = None) -> Reply:
        """The provider simulator's /_control endpoints."""
        reply = self.request(method, self.sim + path, body)
        assert reply.status == 200, reply
        return reply

    def wait_terminal(
        self,
        job_id: str,
        within_s: float,
        source: str = "127.0.0.1",
        every_s: float = 0.25,
        headers: dict[str, str] | None = None,
    ) -> Any:
        """Poll /status until the job is terminal; the record at the end (bounded)."""
        deadline = time.monotonic() + within_s
        record: Any = None
        while time.monotonic() < deadline:
            reply = self.call("GET", f"/status/{job_id}", source=source, headers=headers)
            assert reply.status == 200, reply
            record = reply.json()
            if record["status"] in TERMINAL:
                return record
            time.sleep(every_s)
        raise AssertionError(f"job {job_id} not terminal after {within_s:g}s: {record}")

    # ---- the local AWS ------------------------------------------------------------------------

    def client(self, service: str) -> Any:
        """A boto3 client for the local AWS (made once per service; clients are thread-safe)."""
        import boto3
        from botocore.config import Config

        with self._lock:
            if service not in self._clients:
                self._clients[service] = boto3.session.Session(
                    aws_access_key_id="testing",
                    aws_secret_access_key="testing",
                    aws_session_token="testing",
                    region_name="us-east-1",
                ).client(
                    service,
                    endpoint_url=self.outputs["LocalAwsEndpoint"],
                    config=Config(max_pool_connections=50),
                )
            return self._clients[service]

    def configure_function(self, *, timeout: int | None = None, env: dict[str, str] | None = None):
        """Change the deployed function (the runner reloads it on the next invocation)."""
        lam = self.client("lambda")
        name = self.outputs["FunctionName"]
        current = lam.get_function_configuration(FunctionName=name)
        change: dict[str, Any] = {}
        if timeout is not None:
            change["Timeout"] = timeout
        if env is not None:
            variables = {**current.get("Environment", {}).get("Variables", {}), **env}
            change["Environment"] = {"Variables": variables}
        lam.update_function_configuration(FunctionName=name, **change)
        return lam.get_function_configuration(FunctionName=name)

    def worker_pids(self) -> list[int]:
        """The function's execution environments: `_worker.py` processes under deploy.py."""
        parents: dict[int, int] = {}
        commands: dict[int, str] = {}
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
                cmd = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
            commands[int(entry.name)] = cmd

        def under_us(pid: int) -> bool:
            for _ in range(50):  # bounded walk up the tree
                pid = parents.get(pid, 0)
                if pid == self.proc.pid:
                    return True
                if pid <= 1:
                    return False
            return False

        return [p for p, cmd in commands.items() if "_worker.py" in cmd and under_us(p)]

    # ---- lifecycle ----------------------------------------------------------------------------

    def stop_and_check(self) -> None:
        """SIGINT; the run exits 0 and no execution environment it had outlives it."""
        workers = self.worker_pids()
        assert workers, "no function worker was running: nothing to check"
        assert self.stop() == 0, self.tail()
        survivors = [pid for pid in workers if _alive(pid)]
        assert survivors == [], f"workers left behind: {survivors}"

    def stop(self) -> int:
        """SIGINT, as Ctrl-C would; the exit code. Kills the group only if it does not exit."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)  # our own session, started below
                self.proc.wait(timeout=10)
                raise AssertionError(
                    "deploy.py --local did not stop on SIGINT:\n" + self.tail()
                ) from None
        return self.proc.returncode

    def wait_output_closed(self, timeout: float = 10.0) -> None:
        """After stop(): wait until the output reader has seen EOF, so nothing is missed."""
        if self._reader is not None:
            self._reader.join(timeout)
            assert not self._reader.is_alive(), "deploy.py's output is still open"

    def tail(self, n: int = 60) -> str:
        with self._lock:
            return "".join(self.output_lines[-n:])

    def everything(self) -> str:
        """All that was captured: process output, outputs file, HTTP exchanges."""
        with self._lock:
            return "".join(self.output_lines) + "\n" + "\n".join(self.transcript)


def _alive(pid: int) -> bool:
    """Running (a zombie has already exited; init reaps orphans)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


@contextmanager
def local_stack(params: dict[str, Any], tmp: Path) -> Iterator[LocalStack]:
    """Start `deploy.py --local`, wait for its outputs file, yield, stop it with SIGINT."""
    tmp.mkdir(parents=True, exist_ok=True)
    params_file, outputs_file = tmp / "params.json", tmp / "outputs.json"
    params_file.write_text(json.dumps(params, indent=2))
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(FAKE_AWS, PYTHONUNBUFFERED="1", COLUMNS="120")
    proc = subprocess.Popen(
        [
            sys.executable,
            "deploy.py",
            "--params",
            str(params_file),
            "--local",
            "--local-port",
            "0",
            "--outputs-file",
            str(outputs_file),
        ],
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        encoding="utf-8",
        errors="replace",
        start_new_session=True,  # SIGINT goes to deploy.py only; it stops its own children
    )
    stack = LocalStack(proc, {}, [])

    def read() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:  # ends at EOF, when deploy.py and its children are gone
            with stack._lock:
                stack.output_lines.append(line)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    stack._reader = reader
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                stack.outputs = json.loads(outputs_file.read_text())
                if "LocalApiEndpoint" in stack.outputs:
                    break
            except (OSError, ValueError):
                pass
            time.sleep(0.2)
        if "LocalApiEndpoint" not in stack.outputs:
            raise AssertionError(
                f"deploy.py --local gave no outputs (exit {proc.poll()}):\n{stack.tail()}"
            )
        stack.transcript.append("outputs file: " + outputs_file.read_text())
        yield stack
    finally:
        try:
            stack.stop()
        finally:
            reader.join(timeout=10)
