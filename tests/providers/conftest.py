"""One simulator for the module's tests, its faults and log reset before each test, and the
adapters pointed at it through the environment (as the local run does)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pixelprompt.providers import bfl

from local.simulator import ProviderSimulator


@pytest.fixture(scope="module")
def simulator() -> Iterator[ProviderSimulator]:
    with ProviderSimulator(latency=0.0) as sim:
        yield sim


@pytest.fixture
def sim(simulator: ProviderSimulator, monkeypatch: pytest.MonkeyPatch) -> ProviderSimulator:
    simulator.clear_faults()
    simulator.clear_requests()
    simulator.latency = 0.0
    for name, value in simulator.env().items():
        monkeypatch.setenv(name, value)
    # Bedrock goes through boto3: fake credentials and a region, never the real account.
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)
    # BFL's first poll is always Pending; a short poll interval keeps these tests quick.
    monkeypatch.setattr(bfl, "POLL_FIRST", 0.05)
    return simulator
