"""Fan-out: a worker job of 20 models against one of 1 model, every provider call taking 1 s.

The real handler and adapters run in-process against moto's S3 and the provider simulator
(OpenAI protocol, 1 s latency per request). Target: 20 models within 1.3x one model's job time.
"""

from __future__ import annotations

import json
import logging
import os
import statistics
import sys
import threading
import time
from pathlib import Path
from typing import Any
from unittest import mock

ROOT = Path(__file__).resolve().parent.parent
LATENCY_S = 1.0
RUNS = 3
BUCKET = "bench-fanout"


class _Context:
    def __init__(self) -> None:
        self._end = time.monotonic() + 900

    def get_remaining_time_in_millis(self) -> int:
        return int((self._end - time.monotonic()) * 1000)


def _serialise_moto_s3() -> Any:
    """Real S3 applies a conditional write atomically; moto needs a lock to do the same."""
    from moto.s3.responses import S3Response

    lock = threading.Lock()
    original = S3Response.key_response

    def locked(self: Any, *args: Any, **kwargs: Any) -> Any:
        with lock:
            return original(self, *args, **kwargs)

    return mock.patch.object(S3Response, "key_response", locked)


def _env(sim_env: dict[str, str], models: int) -> dict[str, str]:
    env = {
        "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
        "S3_BUCKET": BUCKET,
        "CLOUDFRONT_DOMAIN": "cdn.bench.invalid",
        "AWS_LAMBDA_FUNCTION_NAME": "bench",
        "GLOBAL_RATE_LIMIT": "0",
        "IP_RATE_LIMIT": "0",
        "MODEL_COUNT": str(models),
        **sim_env,
    }
    for n in range(1, models + 1):
        env[f"MODEL_{n}_NAME"] = "openai/gpt-image-2"
    return env


def _secret_arn() -> str:
    """The stack's secret, as the template builds it: a key in every slot."""
    import boto3

    keys = {str(n): "sk-bench" for n in range(1, 21)}
    text = json.dumps({"format": 1, "keys": keys, "rateLimitSalt": "be" * 32})
    client = boto3.client("secretsmanager", region_name="us-east-1")
    return client.create_secret(Name="bench-fanout", SecretString=text)["ARN"]


def _generate_event() -> dict[str, Any]:
    return {
        "version": "2.0",
        "rawPath": "/generate",
        "headers": {"content-type": "application/json"},
        "requestContext": {
            "http": {"method": "POST", "path": "/generate", "sourceIp": "127.0.0.1"}
        },
        "body": json.dumps({"prompt": "a lighthouse at dusk"}),
        "isBase64Encoded": False,
    }


def _job_seconds(models: int, sim_env: dict[str, str], secret_arn: str) -> float:
    """Create a job through /generate, then time the worker invocation that runs it."""
    import lambda_function
    from pixelprompt import aws, config, dispatch, jobs

    sent: list[dict[str, Any]] = []
    with (
        mock.patch.dict(os.environ, {**_env(sim_env, models), "PROVIDER_SECRET_ARN": secret_arn}),
        mock.patch.object(dispatch, "send", sent.append),
    ):
        config.reset()
        answer = lambda_function.lambda_handler(_generate_event(), _Context())
        assert answer["statusCode"] == 202, answer
        started = time.perf_counter()
        lambda_function.lambda_handler(sent[0], _Context())
        elapsed = time.perf_counter() - started
        record = jobs.read(aws.s3(), BUCKET, sent[0]["jobId"])
        assert record["status"] == "completed", record["results"]
    config.reset()
    return elapsed


def measure() -> tuple[float, float]:
    import boto3
    from moto import mock_aws
    from pixelprompt import aws

    from local.simulator import ProviderSimulator

    creds = {"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench"}
    with (
        ProviderSimulator(latency=LATENCY_S) as sim,
        _serialise_moto_s3(),
        mock.patch.dict(os.environ, creds),
        mock_aws(),
    ):
        aws.reset()
        boto3.client("s3", region_name="us-east-1").create_bucket(Bucket=BUCKET)
        arn = _secret_arn()
        _job_seconds(1, sim.env(), arn)  # warm-up: clients, imports, connection pools
        one = statistics.median(_job_seconds(1, sim.env(), arn) for _ in range(RUNS))
        twenty = statistics.median(_job_seconds(20, sim.env(), arn) for _ in range(RUNS))
        aws.reset()
    return one, twenty


def run() -> list[tuple[str, str]]:
    sys.path[:0] = [p for p in (str(ROOT), str(ROOT / "handler")) if p not in sys.path]
    from pixelprompt import log  # configures the package logger, so set its level after this

    quiet = logging.getLogger(log.__name__.rpartition(".")[0])
    level = quiet.level
    quiet.setLevel(logging.WARNING)  # the handler's JSON request logs would bury the table
    try:
        one, twenty = measure()
    finally:
        quiet.setLevel(level)
    return [
        (f"worker job, 1 model at {LATENCY_S:g} s (median of {RUNS})", f"{one:.2f} s"),
        (f"worker job, 20 models at {LATENCY_S:g} s each (median of {RUNS})", f"{twenty:.2f} s"),
        ("20 models / 1 model (target <= 1.3x)", f"{twenty / one:.2f}x"),
    ]


if __name__ == "__main__":
    for what, figure in run():
        print(f"{what}: {figure}")
