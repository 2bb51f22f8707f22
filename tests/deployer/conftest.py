"""Fixtures for the deployer tests: fake credentials first, a moto server, one built zip."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from deployer import packager
from deployer.models import HANDLER_DIR
from local.aws import LocalAws


@pytest.fixture(autouse=True)
def fake_aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test may reach a real AWS account, whatever the machine has configured."""
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(name, value)
    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_REGION"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="session")
def built_package() -> packager.Package:
    """The real zip, built once per test session (dependencies come from the cache)."""
    return packager.build(HANDLER_DIR)


@pytest.fixture(scope="module")
def moto_endpoint() -> Iterator[str]:
    """The embedded local AWS (moto's server plus the project's CloudFormation patches)."""
    with LocalAws() as aws:
        assert aws.endpoint_url is not None
        yield aws.endpoint_url


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return Path(__file__).resolve().parents[2]
