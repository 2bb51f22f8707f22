"""A function stack as the project builds it: role with inline policy, log group with retention,
dead-letter queue, function from S3 code with reserved concurrency, DLQ and tags, an API
permission and an alarm. Created, updated in place, and deleted."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.localaws.helpers import delete, deploy, lambda_zip, outputs, physical_ids

TAGS = [{"Key": "Project", "Value": "pixel-prompt-complete"}]

TEMPLATE: dict[str, Any] = {
    "Parameters": {
        "CodeBucket": {"Type": "String"},
        "CodeKey": {"Type": "String"},
        "RateLimit": {"Type": "Number", "Default": 1000},
        "Concurrency": {"Type": "Number", "Default": 0},
    },
    "Conditions": {
        "HasConcurrency": {"Fn::Not": [{"Fn::Equals": [{"Ref": "Concurrency"}, 0]}]},
    },
    "Resources": {
        "Queue": {
            "Type": "AWS::SQS::Queue",
            "Properties": {
                "MessageRetentionPeriod": 1209600,
                "SqsManagedSseEnabled": True,
                "Tags": TAGS,
            },
        },
        "KmsQueue": {
            "Type": "AWS::SQS::Queue",
            "Properties": {"KmsMasterKeyId": "alias/aws/sqs"},
        },
        "Logs": {
            "Type": "AWS::Logs::LogGroup",
            "Properties": {
                "LogGroupName": {"Fn::Sub": "/aws/lambda/${AWS::StackName}-fn"},
                "RetentionInDays": 7,
                "Tags": TAGS,
            },
        },
        "Role": {
            "Type": "AWS::IAM::Role",
            "Properties": {
                "AssumeRolePolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {"Service": "lambda.amazonaws.com"},
                            "Action": ["sts:AssumeRole"],
                        }
                    ],
                },
                "Policies": [
                    {
                        "PolicyName": "dlq",
                        "PolicyDocument": {
                            "Version": "2012-10-17",
                            "Statement": [
                                {
                                    "Sid": "SendToDlq",
                                    "Effect": "Allow",
                                    "Action": ["sqs:SendMessage"],
                                    "Resource": [{"Fn::GetAtt": ["Queue", "Arn"]}],
                                }
                            ],
                        },
                    }
                ],
                "Tags": TAGS,
            },
        },
        "Function": {
            "Type": "AWS::Lambda::Function",
            "DependsOn": ["Logs"],
            "Properties": {
                "FunctionName": {"Fn::Sub": "${AWS::StackName}-fn"},
                "Runtime": "python3.12",
                "Handler": "lambda_function.lambda_handler",
                "MemorySize": 3008,
                "Timeout": 900,
                "Role": {"Fn::GetAtt": ["Role", "Arn"]},
                "Code": {"S3Bucket": {"Ref": "CodeBucket"}, "S3Key": {"Ref": "CodeKey"}},
                "Environment": {
                    "Variables": {
                        "RATE_LIMIT": {"Ref": "RateLimit"},
                        "DLQ": {"Fn::Sub": "${Queue.QueueName}"},
                    }
                },
                "DeadLetterConfig": {"TargetArn": {"Fn::GetAtt": ["Queue", "Arn"]}},
                "ReservedConcurrentExecutions": {
                    "Fn::If": ["HasConcurrency", {"Ref": "Concurrency"}, {"Ref": "AWS::NoValue"}]
                },
                "Tags": TAGS,
            },
        },
        "Permission": {
            "Type": "AWS::Lambda::Permission",
            "Properties": {
                "Action": "lambda:InvokeFunction",
                "FunctionName": {"Ref": "Function"},
                "Principal": "apigateway.amazonaws.com",
                "SourceArn": "arn:aws:execute-api:us-east-1:123456789012:abc/*",
            },
        },
        "Errors": {
            "Type": "AWS::CloudWatch::Alarm",
            "Properties": {
                "AlarmDescription": "function errors",
                "Namespace": "AWS/Lambda",
                "MetricName": "Errors",
                "Dimensions": [{"Name": "FunctionName", "Value": {"Ref": "Function"}}],
                "Statistic": "Sum",
                "Period": 300,
                "EvaluationPeriods": 1,
                "Threshold": 1,
                "ComparisonOperator": "GreaterThanOrEqualToThreshold",
                "TreatMissingData": "notBreaching",
                "Tags": TAGS,
            },
        },
    },
    "Outputs": {
        "FunctionName": {"Value": {"Ref": "Function"}},
        "FunctionArn": {"Value": {"Fn::GetAtt": ["Function", "Arn"]}},
        "QueueUrl": {"Value": {"Ref": "Queue"}},
        "AlarmName": {"Value": {"Ref": "Errors"}},
        "AlarmArn": {"Value": {"Fn::GetAtt": ["Errors", "Arn"]}},
        "PermissionId": {"Value": {"Ref": "Permission"}},
        "LogGroupArn": {"Value": {"Fn::GetAtt": ["Logs", "Arn"]}},
    },
}


@pytest.fixture(scope="module")
def code(client: Callable[[str], Any]) -> dict[str, str]:
    s3 = client("s3")
    s3.create_bucket(Bucket="code")
    s3.put_object(Bucket="code", Key="v1.zip", Body=lambda_zip())
    s3.put_object(Bucket="code", Key="v2.zip", Body=lambda_zip("def lambda_handler(e, c): 2\n"))
    return {"CodeBucket": "code", "CodeKey": "v1.zip"}


def _statements(lam: Any, name: str) -> list[dict[str, Any]]:
    return json.loads(lam.get_policy(FunctionName=name)["Policy"])["Statement"]


def test_function_stack_create_update_delete(
    cfn: Any, client: Callable[[str], Any], code: dict[str, str]
) -> None:
    lam, sqs, logs, iam, cw = (client(s) for s in ("lambda", "sqs", "logs", "iam", "cloudwatch"))
    stack = deploy(cfn, "fn", TEMPLATE, {**code, "Concurrency": "5"})
    out = outputs(stack)
    ids = physical_ids(cfn, "fn")
    assert out["FunctionName"] == "fn-fn"

    got = lam.get_function(FunctionName="fn-fn")
    config = got["Configuration"]
    assert config["FunctionArn"] == out["FunctionArn"]
    assert (config["Runtime"], config["MemorySize"], config["Timeout"]) == ("python3.12", 3008, 900)
    assert config["Handler"] == "lambda_function.lambda_handler"
    queue_arn = sqs.get_queue_attributes(QueueUrl=out["QueueUrl"], AttributeNames=["QueueArn"])
    queue_arn = queue_arn["Attributes"]["QueueArn"]
    assert config["DeadLetterConfig"] == {"TargetArn": queue_arn}
    assert config["Environment"]["Variables"] == {
        "RATE_LIMIT": "1000",
        "DLQ": queue_arn.rsplit(":", 1)[1],
    }
    assert got["Concurrency"] == {"ReservedConcurrentExecutions": 5}
    assert got["Tags"] == {"Project": "pixel-prompt-complete"}
    v1_sha = config["CodeSha256"]
    assert v1_sha

    (statement,) = _statements(lam, "fn-fn")
    assert statement["Sid"] == out["PermissionId"] == ids["Permission"]
    assert statement["Principal"] == {"Service": "apigateway.amazonaws.com"}
    assert statement["Condition"]["ArnLike"]["AWS:SourceArn"].endswith(":abc/*")

    (group,) = logs.describe_log_groups(logGroupNamePrefix="/aws/lambda/fn-fn")["logGroups"]
    assert group["retentionInDays"] == 7
    assert out["LogGroupArn"] == group["logGroupArn"]

    attributes = sqs.get_queue_attributes(QueueUrl=out["QueueUrl"], AttributeNames=["All"])
    assert attributes["Attributes"]["SqsManagedSseEnabled"] == "true"
    assert attributes["Attributes"]["MessageRetentionPeriod"] == "1209600"
    kms = sqs.get_queue_attributes(QueueUrl=ids["KmsQueue"], AttributeNames=["All"])
    assert kms["Attributes"]["KmsMasterKeyId"] == "alias/aws/sqs"

    policy = iam.get_role_policy(RoleName=ids["Role"], PolicyName="dlq")["PolicyDocument"]
    assert policy["Statement"][0]["Resource"] == [queue_arn]

    (alarm,) = cw.describe_alarms(AlarmNames=[out["AlarmName"]])["MetricAlarms"]
    assert alarm["AlarmArn"] == out["AlarmArn"]
    assert alarm["Dimensions"] == [{"Name": "FunctionName", "Value": "fn-fn"}]
    assert (alarm["Threshold"], alarm["TreatMissingData"]) == (1.0, "notBreaching")

    # Update: new code, parameter, retention, policy, threshold; concurrency removed.
    changed = copy.deepcopy(TEMPLATE)
    resources = changed["Resources"]
    resources["Logs"]["Properties"]["RetentionInDays"] = 14
    resources["Errors"]["Properties"]["Threshold"] = 3
    resources["Role"]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"][0]["Action"] = [
        "sqs:SendMessage",
        "sqs:GetQueueUrl",
    ]
    resources["Permission"]["Properties"]["SourceArn"] = (
        "arn:aws:execute-api:us-east-1:123456789012:xyz/*"
    )
    params = {**code, "CodeKey": "v2.zip", "RateLimit": "55"}
    stack = deploy(cfn, "fn", changed, params)
    assert stack["StackStatus"] == "UPDATE_COMPLETE"
    new_ids = physical_ids(cfn, "fn")
    replaced = {k for k in ids if ids[k] != new_ids[k]}
    assert replaced == {"Permission"}  # every property of a Lambda permission replaces it

    got = lam.get_function(FunctionName="fn-fn")
    assert got["Configuration"]["Environment"]["Variables"]["RATE_LIMIT"] == "55"
    assert got["Configuration"]["CodeSha256"] != v1_sha
    assert "Concurrency" not in got
    (statement,) = _statements(lam, "fn-fn")
    assert statement["Sid"] == new_ids["Permission"]
    assert statement["Condition"]["ArnLike"]["AWS:SourceArn"].endswith(":xyz/*")
    (group,) = logs.describe_log_groups(logGroupNamePrefix="/aws/lambda/fn-fn")["logGroups"]
    assert group["retentionInDays"] == 14
    policy = iam.get_role_policy(RoleName=ids["Role"], PolicyName="dlq")["PolicyDocument"]
    assert policy["Statement"][0]["Action"] == ["sqs:SendMessage", "sqs:GetQueueUrl"]
    (alarm,) = cw.describe_alarms(AlarmNames=[out["AlarmName"]])["MetricAlarms"]
    assert alarm["Threshold"] == 3.0

    delete(cfn, "fn")
    with pytest.raises(ClientError):
        lam.get_function(FunctionName="fn-fn")
    assert logs.describe_log_groups(logGroupNamePrefix="/aws/lambda/fn-fn")["logGroups"] == []
    assert cw.describe_alarms(AlarmNames=[out["AlarmName"]])["MetricAlarms"] == []
    with pytest.raises(ClientError):
        iam.get_role(RoleName=ids["Role"])
    with pytest.raises(ClientError):
        sqs.get_queue_attributes(QueueUrl=out["QueueUrl"])
