"""Fixtures: one LocalAws per test module, boto3 clients pointed at it with dummy credentials."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest

from local.aws import LocalAws

REGION = "us-east-1"


@pytest.fixture(scope="module")
def local_aws() -> Iterator[LocalAws]:
    with LocalAws() as aws:
        yield aws


@pytest.fixture(scope="module")
def client(local_aws: LocalAws) -> Callable[[str], Any]:
    session = boto3.session.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION
    )

    def make(service: str) -> Any:
        return session.client(service, endpoint_url=local_aws.endpoint_url)

    return make


@pytest.fixture(scope="module")
def cfn(client: Callable[[str], Any]) -> Any:
    return client("cloudformation")
