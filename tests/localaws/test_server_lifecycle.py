"""LocalAws's own life: start, stop, ports, and a fresh state for the first server.

A module of its own, using no shared server: while any other LocalAws runs in this process,
a new one shares its state by design, so these checks need none running.
"""

from __future__ import annotations

import socket

import boto3
import pytest

from local.aws import LocalAws


def test_start_stop_binds_loopback_and_releases_port() -> None:
    aws = LocalAws()
    url = aws.start()
    try:
        assert url.startswith("http://127.0.0.1:")
        assert aws.endpoint_url == url
        assert aws.start() == url  # idempotent
        s3 = boto3.client(
            "s3",
            endpoint_url=url,
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )
        s3.create_bucket(Bucket="lifecycle-check")
        assert [b["Name"] for b in s3.list_buckets()["Buckets"]] == ["lifecycle-check"]
        port = aws.port
    finally:
        aws.stop()
    assert aws.endpoint_url is None
    aws.stop()  # second stop is harmless
    # The socket is closed: the same port can be bound again at once.
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", port))


def test_fixed_port_and_fresh_state_per_first_server() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        free_port = sock.getsockname()[1]
    with LocalAws(port=free_port) as aws:
        assert aws.endpoint_url == f"http://127.0.0.1:{free_port}"
        s3 = boto3.client(
            "s3",
            endpoint_url=aws.endpoint_url,
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )
        # The bucket from the previous test's server is gone: a first server starts empty.
        assert s3.list_buckets()["Buckets"] == []


def test_port_in_use_fails_fast() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        aws = LocalAws(port=port)
        with pytest.raises(OSError, match=f"127.0.0.1:{port} is not available"):
            aws.start()
        assert aws.endpoint_url is None
