"""`deploy.py --local` as a person runs it: deploy to the embedded AWS, serve, stop on a signal."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

FOLDERS = ("deployer", "infra", "handler", "local")


@pytest.fixture(scope="module")
def project(repo_root: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The project without frontend/: the web page has tests of its own."""
    root = tmp_path_factory.mktemp("local")
    for folder in FOLDERS:
        if (repo_root / folder).is_dir():
            shutil.copytree(repo_root / folder, root / folder,
                            ignore=shutil.ignore_patterns("__pycache__"))  # fmt: skip
    for name in ("deploy.py", "parameters.example.json"):
        shutil.copy(repo_root / name, root / name)
    return root


def wait_for(path: Path, process: subprocess.Popen, seconds: float) -> dict[str, str]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and process.poll() is None:
        if path.exists():
            return json.loads(path.read_text())
        time.sleep(0.2)
    process.kill()
    raise AssertionError(f"no outputs file; exit {process.poll()}: {process.stdout.read()}")  # type: ignore[union-attr]


@pytest.mark.e2e
def test_local_deploys_serves_and_stops_cleanly_on_sigint(project: Path) -> None:
    outputs_file = project / "outputs.json"
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}  # no account needed
    process = subprocess.Popen(
        [sys.executable, "deploy.py", "--params", "parameters.example.json", "--local",
         "--outputs-file", str(outputs_file)],
        cwd=project, env=env, stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        outputs = wait_for(outputs_file, process, 60)
        assert outputs["LocalAwsEndpoint"].startswith("http://127.0.0.1:")
        assert {"ApiEndpoint", "S3BucketName", "FunctionName"} <= set(outputs)
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=15)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, output
    assert "CREATE_COMPLETE" in output and "Traceback" not in output
    # the example's placeholder keys work against the simulator, and the warning says so
    said = " ".join(output.split())
    assert "still hold the example's placeholder; the local simulator accepts them" in said
    assert "authentication error" not in said


def test_sigterm_ends_the_wait_and_restores_the_handlers() -> None:
    import threading

    from local.deploy import wait_for_signal

    before = signal.getsignal(signal.SIGTERM)
    threading.Timer(0.2, os.kill, (os.getpid(), signal.SIGTERM)).start()
    started = time.monotonic()
    wait_for_signal()
    assert time.monotonic() - started < 5
    assert signal.getsignal(signal.SIGTERM) == before


def test_without_the_local_aws_package_local_is_a_usage_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import importlib

    from deployer.errors import USAGE, DeployError
    from local import deploy as local

    real = importlib.import_module

    def missing(name: str, *args: object) -> object:
        if name == "local.aws":
            raise ImportError("No module named 'local.aws'")
        return real(name, *args)

    monkeypatch.setattr(local.importlib, "import_module", missing)
    with pytest.raises(DeployError) as caught:
        local._local_aws_class()
    assert caught.value.exit_code == USAGE and "local.aws" in caught.value.message


@pytest.mark.e2e
def test_a_taken_local_port_is_one_sentence_and_exit_2(project: Path) -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        result = subprocess.run(
            [sys.executable, "deploy.py", "--params", "parameters.example.json", "--local",
             "--local-port", str(port)],
            cwd=project, env=env, stdin=subprocess.DEVNULL,
            capture_output=True, text=True, timeout=120,
        )  # fmt: skip
    output = " ".join((result.stdout + result.stderr).split())
    assert result.returncode == 2, output
    assert f"Port {port} on 127.0.0.1 is taken" in output and "--local-port" in output
    assert "nothing was deployed" in output and "CREATE_COMPLETE" not in output  # said first
    assert "Traceback" not in output


@pytest.mark.parametrize("offset", [1, 2])
def test_each_of_the_three_local_ports_is_checked(offset: int) -> None:
    import socket

    from deployer.errors import USAGE, DeployError
    from local.deploy import ports_free

    # GIVEN port N + offset taken (N itself and the ports between free: parallel tests may hold
    # others, so a draw where an earlier one is taken is drawn again, a bounded number of times)
    for _ in range(20):
        with socket.socket() as taken:
            taken.bind(("127.0.0.1", 0))
            taken.listen()
            port = taken.getsockname()[1]
            # WHEN --local-port N is checked
            with pytest.raises(DeployError) as caught:
                ports_free(port - offset)
        if f"Port {port} " in str(caught.value):
            break
    # THEN the taken one is named, as bad input
    assert f"Port {port} " in str(caught.value) and caught.value.exit_code == USAGE


def test_a_first_port_without_two_more_after_it_is_refused() -> None:
    from deployer.errors import DeployError
    from local.deploy import ports_free

    with pytest.raises(DeployError, match="needs ports up to 65536"):
        ports_free(65534)


@pytest.mark.e2e
def test_the_printed_redeploy_command_works_on_a_machine_without_aws_configuration(
    project: Path, tmp_path: Path
) -> None:
    # GIVEN a running --local and a shell with no AWS variables and an empty home
    outputs_file = project / "outputs-redeploy.json"
    fresh = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    fresh["HOME"] = str(tmp_path)
    process = subprocess.Popen(
        [sys.executable, "deploy.py", "--params", "parameters.example.json", "--local",
         "--outputs-file", str(outputs_file)],
        cwd=project, env=fresh, stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        outputs = wait_for(outputs_file, process, 60)
        endpoint = outputs["LocalAwsEndpoint"]
        # WHEN the redeploy command it prints is run as printed (<FILE> filled in)
        from local.deploy import redeploy_command

        command = redeploy_command("parameters.example.json", endpoint, "pixel-prompt-complete")
        redeploy = subprocess.run(
            [sys.executable, *command.split()[1:], "--force"],
            cwd=project, env=fresh, stdin=subprocess.DEVNULL,
            capture_output=True, text=True, timeout=120,
        )  # fmt: skip
    finally:
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=30)
    # THEN it redeploys into the running stack
    said = redeploy.stdout + redeploy.stderr
    assert redeploy.returncode == 0, said
    assert "No AWS region" not in said and "credentials" not in said
    assert "No changes: CloudFormation found nothing to update" in said


def test_the_hint_served_by_local_run_is_the_redeploy_command() -> None:
    import inspect

    from local.run import serve

    assert "--local --endpoint-url {endpoint_url}" in inspect.getsource(serve)
