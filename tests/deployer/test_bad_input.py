"""Bad input to deploy.py: a sentence, the right exit code (2 input, 1 failed, 130 Ctrl-C),
no traceback, nothing deployed. One test per case an outside review found escaping."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from botocore.config import Config

from deployer import aws, cli

ROOT = Path(__file__).resolve().parents[2]


def example(**changes: object) -> dict:
    params = json.loads((ROOT / "parameters.example.json").read_text())
    params["Parameters"].update(changes)
    return params


@pytest.fixture
def params_file(tmp_path: Path) -> Path:
    path = tmp_path / "params.json"
    path.write_text(json.dumps(example()))
    return path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    """deploy.py's main in-process; (exit code, everything it wrote)."""
    try:
        code = cli.main(list(argv))
    except SystemExit as exc:  # argparse's usage errors
        code = int(exc.code or 0)
    out = capsys.readouterr()
    text = out.out + out.err
    assert "Traceback" not in text
    return code, text


# -- usage: refused by argparse before anything is built ------------------------------------
@pytest.mark.parametrize(
    ("url", "said"),
    [
        ("notaurl", "'notaurl' is not an endpoint URL"),
        ("http://127.0.0.1:99999", "Port out of range"),
    ],
)
def test_an_unusable_endpoint_url_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], params_file: Path, url: str, said: str
) -> None:
    code, text = run(capsys, "--params", str(params_file), "--endpoint-url", url)
    assert code == 2 and said in text


@pytest.mark.parametrize("flag", ["--outputs-file", "--package"])
def test_a_file_under_a_regular_file_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, params_file: Path, flag: str
) -> None:
    (tmp_path / "plain").write_text("x")
    mode = [] if flag == "--package" else ["--params", str(params_file)]
    code, text = run(capsys, *mode, flag, str(tmp_path / "plain" / "out.json"))
    assert code == 2 and "is a file, not a directory" in text


@pytest.mark.parametrize("flag", ["--outputs-file", "--package"])
def test_a_directory_as_the_file_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, params_file: Path, flag: str
) -> None:
    mode = [] if flag == "--package" else ["--params", str(params_file)]
    code, text = run(capsys, *mode, flag, str(tmp_path))
    assert code == 2 and "is a directory" in text


# -- values the template's types refuse ------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "value"), [("ModelCount", 2.5), ("GlobalRateLimit", 10.5), ("PromptModelIndex", 1.5)]
)
def test_a_fraction_where_a_whole_number_is_needed_is_refused(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, name: str, value: float
) -> None:
    path = tmp_path / "p.json"
    path.write_text(json.dumps(example(**{name: value})))
    code, text = run(capsys, "--params", str(path), "--region", "us-east-1")
    assert code == 2 and f"{name} '{value}' must be a whole number." in text
    assert "nothing was deployed" in text


def test_a_budget_may_have_cents() -> None:
    from deployer.params import ParamSpec, _constraint_problems

    budget = ParamSpec("DailyBudgetUsd", type="Number", min_value=0)
    count = ParamSpec("ModelCount", type="Number", min_value=1)
    assert _constraint_problems(budget, "2.5") == []
    assert _constraint_problems(count, "2.5") == ["ModelCount '2.5' must be a whole number."]


def test_a_key_given_twice_is_refused(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "p.json"
    text = json.dumps(example(), indent=1).replace(
        '"Environment": "dev",', '"Environment": "dev",\n "Environment": "prod",'
    )
    path.write_text(text)
    code, said = run(capsys, "--params", str(path), "--region", "us-east-1")
    assert code == 2 and "'Environment' is given more than once" in said


def test_junk_in_the_ip_whitelist_is_refused(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "p.json"
    path.write_text(json.dumps(example(IPWhitelist="203.0.113.7, junk,10.0.0.999")))
    code, text = run(capsys, "--params", str(path), "--region", "us-east-1")
    assert code == 2 and "'junk', '10.0.0.999' are not" in text


def test_good_ip_addresses_pass(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    from deployer.params import ParamSpec, _ip_list

    assert _ip_list(ParamSpec("IPWhitelist"), "203.0.113.7, 2001:db8::1,") == []


# -- endpoints that answer wrongly or never ---------------------------------------------------
@contextlib.contextmanager
def endpoint(answer: bytes | None) -> Iterator[str]:
    """An endpoint on 127.0.0.1 that sends `answer` to each request (None: never answers)."""
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(0.1)
    stop = threading.Event()
    held: list[socket.socket] = []

    def loop() -> None:
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except TimeoutError:
                continue
            held.append(conn)
            if answer is not None:
                conn.recv(65536)
                conn.sendall(answer)

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.getsockname()[1]}"
    finally:
        stop.set()
        thread.join(timeout=5)
        for conn in held:
            conn.close()
        server.close()


def test_an_endpoint_that_answers_garbage_is_a_sentence(
    capsys: pytest.CaptureFixture[str], params_file: Path, built_package: object
) -> None:
    with endpoint(b"HTTP/1.1 200 OK\r\nContent-Length: 7\r\n\r\ngarbage") as url:
        code, text = run(
            capsys, "--params", str(params_file), "--region", "us-east-1", "--yes", "--skip-check",
            "--endpoint-url", url,
        )  # fmt: skip
    assert code == 2 and "not an AWS API response" in text


def test_an_endpoint_that_never_answers_is_a_sentence_after_the_probe_timeouts(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    params_file: Path,
    built_package: object,
) -> None:
    # GIVEN an endpoint that accepts connections and never answers, and short probe timeouts
    quick = Config(retries={"max_attempts": 1}, connect_timeout=0.5, read_timeout=0.5)
    monkeypatch.setattr(aws, "PROBE_CONFIG", quick)
    with endpoint(None) as url:
        code, text = run(
            capsys, "--params", str(params_file), "--region", "us-east-1", "--yes", "--skip-check",
            "--endpoint-url", url,
        )  # fmt: skip
    # THEN the deploy stops with a sentence once the probe's read timeout expires
    assert code == 2 and f"{url} did not answer within 1 s" in text


def test_the_real_probe_gives_up_on_a_silent_endpoint_within_30_seconds() -> None:
    probe = aws.PROBE_CONFIG
    worst = (probe.connect_timeout + probe.read_timeout) * aws.PROBE_ATTEMPTS
    assert worst + aws.PROBE_ATTEMPTS <= 30  # plus at most 1 s of retry back-off per attempt


# -- Ctrl-C ------------------------------------------------------------------------------------
_INTERRUPT_ON_IMPORT = """
import runpy, sys
class Interrupt:
    def find_spec(self, name, *args):
        if name == "rich":
            raise KeyboardInterrupt
sys.meta_path.insert(0, Interrupt())
sys.argv = ["deploy.py", "--package", "x.zip"]
runpy.run_path("deploy.py", run_name="__main__")
"""


def test_ctrl_c_while_deploy_py_is_still_importing_exits_130_quietly() -> None:
    proc = subprocess.run(
        [sys.executable, "-c", _INTERRUPT_ON_IMPORT],
        cwd=ROOT, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert proc.returncode == 130, proc.stderr
    assert "Traceback" not in proc.stderr and "nothing was changed" in proc.stderr


def test_a_real_sigint_while_importing_exits_130_quietly(tmp_path: Path) -> None:
    # GIVEN deploy.py started, and seen (through -X importtime) importing its own modules: the
    # first fraction of a second, before any of its code could install a handler
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    proc = subprocess.Popen(
        [sys.executable, "-X", "importtime", str(ROOT / "deploy.py"), "--package",
         str(tmp_path / "x.zip")],
        cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert proc.stderr is not None
    seen = []
    for line in proc.stderr:  # ends at EOF at the latest
        seen.append(line)
        if "| deployer" in line:
            break
    # WHEN Ctrl-C arrives then
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    # THEN exit 130 with a sentence and no traceback
    assert proc.returncode == 130, "".join(seen[-5:]) + err
    assert "Traceback" not in out + err and "Interrupted" in err


def test_ctrl_c_during_a_command_is_130_with_what_to_do_next(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    def interrupted(*_: object, **__: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "build_package", interrupted)
    code, text = run(capsys, "--package", str(tmp_path / "x.zip"))
    assert code == 130 and "run the same command again" in text


def test_ctrl_c_while_the_change_set_is_made_leaves_a_stack_the_next_run_deploys(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    moto_endpoint: str,
    params_file: Path,
    built_package: object,
) -> None:
    from deployer import changeset

    argv = ["--params", str(params_file), "--region", "us-east-1", "--yes", "--skip-check",
            "--endpoint-url", moto_endpoint, "--stack-name", "pp-interrupted"]  # fmt: skip
    real_wait = changeset.wait

    def interrupted(*_: object, **__: object) -> None:
        raise KeyboardInterrupt

    # GIVEN a first deploy interrupted once CloudFormation has its change set
    monkeypatch.setattr(changeset, "wait", interrupted)
    code, text = run(capsys, *argv)
    assert code == 130 and "run the same command again" in text
    # WHEN the same command runs again
    monkeypatch.setattr(changeset, "wait", real_wait)
    code, text = run(capsys, *argv)
    # THEN it clears what the first run left and creates the stack
    assert code == 0, text
    assert "REVIEW_IN_PROGRESS" in text and "CREATE_COMPLETE" in text
