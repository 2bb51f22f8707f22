"""Cannot reach AWS as anyone: one sentence, exit code 2, no traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError, NoCredentialsError

from deployer import cli
from deployer.aws import Target, credential_error, make_factory
from deployer.errors import USAGE, DeployError
from tests.deployer._support import recording_ui, small_params, write_json


def test_an_expired_token_is_one_sentence() -> None:
    error = ClientError(
        {"Error": {"Code": "ExpiredToken", "Message": "expired"}}, "GetCallerIdentity"
    )
    known = credential_error(error)
    assert known is not None and known.exit_code == USAGE
    assert known.message == "Your AWS session token has expired."


def test_missing_credentials_and_unreachable_endpoints_are_usage_errors() -> None:
    missing = credential_error(NoCredentialsError())
    unreachable = credential_error(EndpointConnectionError(endpoint_url="http://127.0.0.1:9"))
    assert missing is not None and missing.message == "No AWS credentials were found."
    assert (
        unreachable is not None and "Could not connect to http://127.0.0.1:9" in unreachable.message
    )
    assert {missing.exit_code, unreachable.exit_code} == {USAGE}


def test_an_unknown_profile_is_named(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    with pytest.raises(DeployError) as caught:
        make_factory(Target(region="us-east-1", profile="nope"))
    assert caught.value.message == "The AWS profile 'nope' does not exist."
    assert caught.value.exit_code == USAGE


def test_an_unknown_region_is_refused_before_any_call() -> None:
    with pytest.raises(DeployError) as caught:
        make_factory(Target(region="xx-east-9"))
    assert caught.value.message == "'xx-east-9' is not an AWS region."


def test_an_unreachable_endpoint_exits_2_without_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    params = write_json(tmp_path / "p.json", small_params())
    _, console = recording_ui()
    code = cli.main(
        ["--params", str(params), "--region", "us-east-1", "--endpoint-url", "http://127.0.0.1:9",
         "--yes", "--stack-name", "pp-nowhere"],
        console,
    )  # fmt: skip
    captured = capsys.readouterr()
    assert code == 2
    assert "Could not connect to http://127.0.0.1:9" in captured.err
    assert "Traceback" not in captured.err
