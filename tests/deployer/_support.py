"""Shared test helpers: a small template moto deploys, fake factories, a recording UI."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from rich.console import Console

from deployer.ui import UI

ACCOUNT = "123456789012"
REGION = "us-east-1"
STACK = "pixel-prompt-complete"
STACK_ID = f"arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/{STACK}/0a1b2c3d"


def small_template() -> dict[str, Any]:
    """Parameters shaped like the real template's, and resources stock moto can create."""
    params: dict[str, Any] = {
        "Environment": {"Type": "String", "Default": "dev", "AllowedValues": ["dev", "prod"]},
        "ModelCount": {"Type": "Number", "Default": 2, "MinValue": 1, "MaxValue": 3},
        "PromptModelIndex": {"Type": "Number", "Default": 1, "MinValue": 1, "MaxValue": 3},
        "CodeBucket": {"Type": "String", "MinLength": 3},
        "CodeKey": {"Type": "String", "MinLength": 1},
        "BedrockModelIds": {"Type": "CommaDelimitedList", "Default": ""},
    }
    for n in (1, 2, 3):
        params[f"Model{n}Name"] = {"Type": "String", "Default": ""}
        params[f"Model{n}Key"] = {"Type": "String", "Default": "", "NoEcho": True}
    role = {
        "Type": "AWS::IAM::Role",
        "Properties": {
            "AssumeRolePolicyDocument": {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"Service": "lambda.amazonaws.com"},
                        "Action": "sts:AssumeRole",
                    }
                ],
            }
        },
    }
    function = {
        "Type": "AWS::Lambda::Function",
        "Properties": {
            "Runtime": "python3.12",
            "Handler": "lambda_function.lambda_handler",
            "Role": {"Fn::GetAtt": ["Role", "Arn"]},
            "MemorySize": 3008,
            "Timeout": 900,
            "Code": {"S3Bucket": {"Ref": "CodeBucket"}, "S3Key": {"Ref": "CodeKey"}},
            "Environment": {"Variables": {"MODEL_1_NAME": {"Ref": "Model1Name"}}},
        },
    }
    return {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Parameters": params,
        "Resources": {"Role": role, "Function": function, "Queue": {"Type": "AWS::SQS::Queue"}},
        "Outputs": {
            "FunctionName": {"Value": {"Ref": "Function"}, "Description": "The function"},
            "QueueUrl": {"Value": {"Ref": "Queue"}, "Description": "The queue"},
        },
    }


def small_params(**overrides: Any) -> dict[str, Any]:
    values = {
        "ModelCount": 2,
        "Model1Name": "openai/gpt-image-2",
        "Model1Key": "sk-very-secret-value",
        "Model2Name": "bedrock/stability.stable-image-core-v1:1",
    }
    values.update(overrides)
    return {"Parameters": values}


def recording_ui(*, yes: bool = True, terminal: bool = False) -> tuple[UI, Console]:
    console = Console(record=True, width=140, force_terminal=terminal, file=io.StringIO())
    return UI(console, assume_yes=yes), console


def text_of(console: Console) -> str:
    return console.export_text(clear=False)


def write_json(path: Any, data: Any) -> Any:
    path.write_text(json.dumps(data))
    return path


# -- recorded CloudFormation answers for botocore's Stubber ---------------------------------------
T0 = datetime(2026, 11, 25, 12, 0, 0, tzinfo=UTC)


def event(
    n: int, logical: str, rtype: str, status: str, reason: str = "", token: str | None = None
) -> dict[str, Any]:
    answer: dict[str, Any] = {
        "StackId": STACK_ID,
        "EventId": f"event-{n}",
        "StackName": STACK,
        "LogicalResourceId": logical,
        "ResourceType": rtype,
        "Timestamp": T0 + timedelta(seconds=n),
        "ResourceStatus": status,
    }
    if reason:
        answer["ResourceStatusReason"] = reason
    if token:
        answer["ClientRequestToken"] = token
    return answer


def stack(status: str, reason: str = "", outputs: list[dict[str, str]] | None = None) -> dict:
    body: dict[str, Any] = {
        "StackId": STACK_ID,
        "StackName": STACK,
        "StackStatus": status,
        "CreationTime": T0,
    }
    if reason:
        body["StackStatusReason"] = reason
    if outputs:
        body["Outputs"] = outputs
    return {"Stacks": [body]}


EVENTS_DIR = Path(__file__).parent / "events"


def recorded(name: str, token: str | None = None) -> list[dict[str, Any]]:
    """A recorded describe-stack-events sequence (oldest first) from tests/deployer/events/."""
    data = json.loads((EVENTS_DIR / f"{name}.json").read_text())
    events = []
    for raw in data["StackEvents"]:
        event = {**raw, "StackId": STACK_ID, "StackName": STACK}
        event["Timestamp"] = datetime.fromisoformat(raw["Timestamp"])
        if token:
            event["ClientRequestToken"] = token
        events.append(event)
    return events


class FakeFactory:
    """Stands in for ClientFactory: hands out given clients, knows the account."""

    def __init__(self, **clients: Any) -> None:
        self.clients = clients
        self.region = REGION
        self.endpoint_url: str | None = None

    def client(self, service: str) -> Any:
        return self.clients[service]

    def account_id(self) -> str:
        return ACCOUNT
