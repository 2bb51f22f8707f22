"""A fresh simulator per test module; faults, latency and the log reset before each test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests

from local.simulator import ProviderSimulator


@pytest.fixture(scope="module")
def running() -> Iterator[ProviderSimulator]:
    with ProviderSimulator(latency=0.0) as sim:
        yield sim


@pytest.fixture
def sim(running: ProviderSimulator) -> ProviderSimulator:
    running.clear_faults()
    running.clear_requests()
    running.latency = 0.0
    return running


@pytest.fixture
def http() -> Iterator[requests.Session]:
    with requests.Session() as session:
        yield session
