"""Fixtures: a LocalAws per test module, a log sink that keeps lines, a function registry."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from local.aws import LocalAws
from local.run.aws import LocalAwsClients
from local.run.function_runner import FunctionRegistry
from tests.localrun.support import ListSink


@pytest.fixture(scope="module")
def aws() -> Iterator[LocalAwsClients]:
    server = LocalAws(port=0)
    endpoint = server.start()
    try:
        yield LocalAwsClients(endpoint, "us-east-1")
    finally:
        server.stop()


@pytest.fixture
def sink() -> ListSink:
    return ListSink()


@pytest.fixture
def registry(aws: LocalAwsClients, sink: ListSink) -> Iterator[FunctionRegistry]:
    reg = FunctionRegistry(aws, {"CLOUDFRONT_DOMAIN": "http://127.0.0.1:9"}, sink, max_workers=2)
    try:
        yield reg
    finally:
        reg.stop()
