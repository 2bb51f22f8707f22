"""Which region the deployed stack lives in, from its outputs."""

from __future__ import annotations

import pytest

from local.run.aws import guess_region


@pytest.mark.parametrize(
    ("outputs", "region"),
    [
        ({"ApiEndpoint": "https://abc.execute-api.eu-west-1.amazonaws.com"}, "eu-west-1"),
        ({"DeadLetterQueueUrl": "https://sqs.ap-southeast-2.amazonaws.com/1/q"}, "ap-southeast-2"),
        ({"Arn": "arn:aws:lambda:us-west-2:123456789012:function:f"}, "us-west-2"),
    ],
)
def test_region_from_outputs(outputs: dict, region: str) -> None:
    assert guess_region(outputs) == region


def test_region_falls_back_to_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_REGION", "ca-central-1")
    assert guess_region({"FunctionName": "f"}) == "ca-central-1"
    monkeypatch.delenv("AWS_REGION")
    monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)
    assert guess_region({}) == "us-east-1"
