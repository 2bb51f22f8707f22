"""LocalAws lifecycle and the Lambda Invoke hook."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError

from local import aws as localaws
from tests.localaws.helpers import lambda_zip

ROLE_POLICY = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "lambda.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
)


@pytest.fixture(scope="module")
def function_name(client: Callable[[str], Any]) -> str:
    iam = client("iam")
    role = iam.create_role(RoleName="invoke-hook-role", AssumeRolePolicyDocument=ROLE_POLICY)
    client("lambda").create_function(
        FunctionName="hooked",
        Runtime="python3.12",
        Role=role["Role"]["Arn"],
        Handler="lambda_function.lambda_handler",
        Code={"ZipFile": lambda_zip()},
    )
    return "hooked"


@pytest.fixture()
def recorded() -> Iterator[list[tuple[str, str | None, bytes, str]]]:
    calls: list[tuple[str, str | None, bytes, str]] = []
    done = threading.Event()

    def handler(
        name: str, qualifier: str | None, payload: bytes, invocation_type: str
    ) -> tuple[int, bytes, dict[str, str]]:
        calls.append((name, qualifier, payload, invocation_type))
        done.set()
        if invocation_type == "Event":
            return 202, b"", {}
        if json.loads(payload).get("fail"):
            return 200, b'{"errorMessage": "boom"}', {"X-Amz-Function-Error": "Unhandled"}
        return 200, json.dumps({"echo": json.loads(payload)}).encode(), {}

    localaws.set_invoke_handler(handler)
    try:
        yield calls
    finally:
        localaws.set_invoke_handler(None)


def test_invoke_hook_receives_request_response_and_event(
    client: Callable[[str], Any], function_name: str, recorded: list[Any]
) -> None:
    lam = client("lambda")
    sync = lam.invoke(FunctionName=function_name, Payload=b'{"a": 1}')
    assert sync["StatusCode"] == 200
    assert json.loads(sync["Payload"].read()) == {"echo": {"a": 1}}
    assert "FunctionError" not in sync

    arn = lam.get_function(FunctionName=function_name)["Configuration"]["FunctionArn"]
    event = lam.invoke(FunctionName=arn, InvocationType="Event", Payload=b'{"b": 2}')
    assert event["StatusCode"] == 202

    failed = lam.invoke(FunctionName=function_name, Payload=b'{"fail": true}')
    assert failed["FunctionError"] == "Unhandled"
    assert json.loads(failed["Payload"].read()) == {"errorMessage": "boom"}

    assert recorded == [
        ("hooked", None, b'{"a": 1}', "RequestResponse"),
        ("hooked", None, b'{"b": 2}', "Event"),  # the ARN is resolved to the plain name
        ("hooked", None, b'{"fail": true}', "RequestResponse"),
    ]


def test_invoke_hook_unknown_function_and_dry_run(
    client: Callable[[str], Any], function_name: str, recorded: list[Any]
) -> None:
    lam = client("lambda")
    with pytest.raises(ClientError) as err:
        lam.invoke(FunctionName="no-such-function", Payload=b"{}")
    assert err.value.response["Error"]["Code"] == "ResourceNotFoundException"
    dry = lam.invoke(FunctionName=function_name, InvocationType="DryRun", Payload=b"{}")
    assert dry["StatusCode"] == 204
    assert recorded == []


def test_without_handler_moto_behaviour_is_kept(
    client: Callable[[str], Any], function_name: str
) -> None:
    assert localaws.invoke.get_invoke_handler() is None
    # moto without Docker answers a canned "Simple Lambda happy path OK" for this function.
    resp = client("lambda").invoke(FunctionName=function_name, Payload=b"{}")
    assert resp["StatusCode"] == 200
