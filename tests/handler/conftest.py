"""Fixtures for the handler tests: moto with a faithful S3, fake providers, real event files."""

from __future__ import annotations

import base64
import copy
import json
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws
from moto.s3.models import S3Backend
from moto.s3.responses import S3Response
from pixelprompt import aws, backends, config, dispatch

from tests.handler.support import (
    BUCKET,
    FUNCTION,
    SECRET_NAME,
    Context,
    FakeProviders,
    body_of,
    load_event,
    model_env,
    secret_string,
)

# One lock for every object-level S3 request. Real S3 evaluates a conditional write and performs it
# atomically; moto checks IfMatch/IfNoneMatch and then writes without holding a lock, so two racing
# writers could both pass. Serialising moto's key requests restores S3's semantics for our tests.
_S3_OBJECT_LOCK = threading.Lock()
_unlocked_key_response = S3Response.key_response


def _locked_key_response(self: S3Response, *args: Any, **kwargs: Any) -> Any:
    with _S3_OBJECT_LOCK:
        return _unlocked_key_response(self, *args, **kwargs)


@pytest.fixture
def set_env(monkeypatch: pytest.MonkeyPatch) -> Callable[..., None]:
    """Change the environment and drop the cached config, as a new cold start would."""

    def apply(**values: str | None) -> None:
        for name, value in values.items():
            if value is None:
                monkeypatch.delenv(name, raising=False)
            else:
                monkeypatch.setenv(name, value)
        config.reset()

    return apply


@pytest.fixture
def fake_providers() -> Iterator[FakeProviders]:
    fake = FakeProviders()
    backends.use(fake.as_providers())
    yield fake
    backends.use(None)


AWS_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
}


def _app_env() -> dict[str, str]:
    return {
        "S3_BUCKET": BUCKET,
        "CLOUDFRONT_DOMAIN": "d111111abcdef8.cloudfront.net",
        "AWS_LAMBDA_FUNCTION_NAME": FUNCTION,
        "PROMPT_MODEL_INDEX": "1",
        "GLOBAL_RATE_LIMIT": "1000",
        "IP_RATE_LIMIT": "200",
        "IP_WHITELIST": "",
        **model_env(["fake/ok-one", "fake/ok-two", "fake/ok-three"]),
    }


@pytest.fixture(scope="module")
def _moto() -> Iterator[Any]:
    """One moto account per test module (starting moto and boto3 clients is the slow part)."""
    with pytest.MonkeyPatch.context() as mp:
        for name in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL_LAMBDA"):
            mp.delenv(name, raising=False)
        mp.delenv("AWS_PROFILE", raising=False)
        for name, value in AWS_ENV.items():
            mp.setenv(name, value)
        mp.setattr(S3Response, "key_response", _locked_key_response)
        aws.reset()
        with mock_aws():
            client = boto3.client("s3", region_name="us-east-1")
            client.create_bucket(Bucket=BUCKET)
            secrets = boto3.client("secretsmanager", region_name="us-east-1")
            arn = secrets.create_secret(Name=SECRET_NAME, SecretString=secret_string())["ARN"]
            mp.setenv("PROVIDER_SECRET_ARN", arn)
            yield client
        aws.reset()


def _empty(client: Any) -> None:
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=BUCKET):
        keys = [{"Key": o["Key"]} for o in page.get("Contents", [])]
        if keys:
            client.delete_objects(Bucket=BUCKET, Delete={"Objects": keys})


@pytest.fixture
def s3(_moto: Any, monkeypatch: pytest.MonkeyPatch, fake_providers: FakeProviders) -> Iterator[Any]:
    """An empty bucket, three fake models and a fresh configuration (a new cold start)."""
    for name, value in _app_env().items():
        monkeypatch.setenv(name, value)
    for n in range(4, 21):
        monkeypatch.delenv(f"MODEL_{n}_NAME", raising=False)
    _empty(_moto)
    _put_secret(secret_string())
    config.reset()
    yield _moto
    config.reset()


def _put_secret(text: str) -> None:
    boto3.client("secretsmanager", region_name="us-east-1").put_secret_value(
        SecretId=SECRET_NAME, SecretString=text
    )


@pytest.fixture
def set_keys(s3: Any) -> Callable[[dict[int, str]], None]:
    """Change keys in the stack's secret and start a new execution environment."""

    def apply(keys: dict[int, str]) -> None:
        _put_secret(secret_string(keys))
        config.reset()

    return apply


@pytest.fixture
def dispatched(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Capture the worker events /generate sends instead of invoking Lambda."""
    sent: list[dict[str, Any]] = []
    monkeypatch.setattr(dispatch, "send", sent.append)
    return sent


@pytest.fixture
def event() -> Callable[..., dict[str, Any]]:
    """A real event file, optionally with a new body, path, method, source IP or headers."""

    def make(
        name: str,
        *,
        body: Any = ...,
        path: str | None = None,
        method: str | None = None,
        ip: str | None = None,
        headers: dict[str, str] | None = None,
        b64: bool = False,
    ) -> dict[str, Any]:
        ev = copy.deepcopy(load_event(name))
        if body is not ...:
            raw = body if isinstance(body, str | bytes) else json.dumps(body)
            raw = raw.encode() if isinstance(raw, str) else raw
            ev["body"] = base64.b64encode(raw).decode() if b64 else raw.decode()
            ev["isBase64Encoded"] = b64
        if path is not None:
            ev["rawPath"] = ev["requestContext"]["http"]["path"] = path
        if method is not None:
            ev["requestContext"]["http"]["method"] = method
        if ip is not None:
            ev["requestContext"]["http"]["sourceIp"] = ip
        if headers is not None:
            ev["headers"].update(headers)
        return ev

    return make


@pytest.fixture
def call() -> Callable[[dict[str, Any]], tuple[int, Any, dict[str, str]]]:
    """Run lambda_handler on an event: (status, parsed body, headers)."""
    import lambda_function

    def run(ev: dict[str, Any]) -> tuple[int, Any, dict[str, str]]:
        out = lambda_function.lambda_handler(ev, Context())
        return out["statusCode"], body_of(out), out["headers"]

    return run


@pytest.fixture
def run_worker() -> Callable[..., dict[str, Any]]:
    """Run the worker event /generate dispatched, as Lambda would deliver it."""
    import lambda_function

    def run(payload: dict[str, Any], remaining_ms: int = 900_000) -> dict[str, Any]:
        return lambda_function.lambda_handler(payload, Context(remaining_ms))

    return run


@pytest.fixture
def generate_job(
    event: Callable[..., dict[str, Any]],
    call: Callable[[dict[str, Any]], tuple[int, Any, dict[str, str]]],
    dispatched: list[dict[str, Any]],
) -> Callable[..., tuple[str, dict[str, Any]]]:
    """POST /generate and return (jobId, the worker event it dispatched)."""

    def make(prompt: str = "a red fox in the snow", ip: str | None = None) -> tuple[str, Any]:
        status, body, _ = call(event("httpApiV2_generate.json", body={"prompt": prompt}, ip=ip))
        assert status == 202, body
        return body["jobId"], dispatched[-1]

    return make


@pytest.fixture
def get_status(
    event: Callable[..., dict[str, Any]],
    call: Callable[[dict[str, Any]], tuple[int, Any, dict[str, str]]],
) -> Callable[[str], tuple[int, Any]]:
    def get(job_id: str) -> tuple[int, Any]:
        ev = event("httpApiV2_status.json", path=f"/status/{job_id}")
        ev["pathParameters"] = {"jobId": job_id}
        status, body, _ = call(ev)
        return status, body

    return get


@pytest.fixture
def slow_s3_writes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Widen moto's gap between checking a condition and writing, so a lost update would show."""
    original = S3Backend.put_object

    def slow_put(self: S3Backend, *args: Any, **kwargs: Any) -> Any:
        time.sleep(0.003)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(S3Backend, "put_object", slow_put)


@pytest.fixture
def post_job(
    event: Callable[..., dict[str, Any]],
    call: Callable[[dict[str, Any]], tuple[int, Any, dict[str, str]]],
) -> Callable[..., tuple[int, Any, dict[str, str]]]:
    """POST to one of a job's routes, /jobs/{id}/<action>: (status, body, headers)."""

    def send(job_id: str, action: str, body: Any = None, ip: str | None = None) -> Any:
        ev = event("httpApiV2_generate.json", body=body if body is not None else {}, ip=ip)
        ev["rawPath"] = ev["requestContext"]["http"]["path"] = f"/jobs/{job_id}/{action}"
        return call(ev)

    return send
