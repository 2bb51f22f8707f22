"""Conditional writes on the local AWS are atomic, as on S3: racing writers never both win."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from botocore.exceptions import ClientError
from moto.s3.models import S3Backend

WRITERS = 16


@pytest.fixture
def slow_moto_writes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Widen the gap between moto's condition check and its write, so a race would show."""
    original = S3Backend.put_object

    def slow_put(self: S3Backend, *args: Any, **kwargs: Any) -> Any:
        time.sleep(0.01)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(S3Backend, "put_object", slow_put)


@pytest.fixture
def s3(client: Callable[[str], Any]) -> Any:
    s3 = client("s3")
    s3.create_bucket(Bucket="atomic-writes")
    return s3


def test_only_one_of_many_racing_creates_wins(s3: Any, slow_moto_writes: None) -> None:
    start = threading.Barrier(WRITERS)

    def create(n: int) -> bool:
        start.wait()
        try:
            s3.put_object(Bucket="atomic-writes", Key="once", Body=str(n), IfNoneMatch="*")
        except ClientError as error:
            assert error.response["Error"]["Code"] in {
                "PreconditionFailed",
                "ConditionalRequestConflict",
            }
            return False
        return True

    with ThreadPoolExecutor(WRITERS) as pool:
        winners = sum(pool.map(create, range(WRITERS)))
    assert winners == 1


def test_compare_and_swap_counter_loses_no_increment(s3: Any, slow_moto_writes: None) -> None:
    s3.put_object(Bucket="atomic-writes", Key="counter", Body=b"0")

    def increment(_: int) -> None:
        for _attempt in range(200):
            current = s3.get_object(Bucket="atomic-writes", Key="counter")
            value = int(current["Body"].read())
            try:
                s3.put_object(
                    Bucket="atomic-writes",
                    Key="counter",
                    Body=str(value + 1).encode(),
                    IfMatch=current["ETag"],
                )
                return
            except ClientError:
                continue
        raise AssertionError("gave up after 200 attempts")

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(increment, range(8)))
    final = s3.get_object(Bucket="atomic-writes", Key="counter")["Body"].read()
    assert int(final) == 8
