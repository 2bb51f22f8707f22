"""Change-set and stack-operation behaviour the deployer relies on, as CloudFormation has it."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError, WaiterError

from tests.localaws.helpers import (
    WAITER,
    as_parameters,
    create_change_set,
    delete,
    deploy,
    outputs,
    physical_ids,
)

QUEUES: dict[str, Any] = {
    "Parameters": {
        "QueueName": {"Type": "String"},
        "Regions": {"Type": "CommaDelimitedList", "Default": "a,b"},
        "Secret": {"Type": "String", "NoEcho": True, "Default": ""},
        "WithAlarm": {"Type": "String", "Default": "no"},
    },
    "Conditions": {"HasAlarm": {"Fn::Equals": [{"Ref": "WithAlarm"}, "yes"]}},
    "Resources": {
        "Queue": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": {"Ref": "QueueName"}}},
        "Depth": {
            "Type": "AWS::CloudWatch::Alarm",
            "Condition": "HasAlarm",
            "Properties": {
                "Namespace": "AWS/SQS",
                "MetricName": "ApproximateNumberOfMessagesVisible",
                "Dimensions": [
                    {"Name": "QueueName", "Value": {"Fn::GetAtt": ["Queue", "QueueName"]}}
                ],
                "Statistic": "Maximum",
                "Period": 60,
                "EvaluationPeriods": 1,
                "Threshold": 1,
                "ComparisonOperator": "GreaterThanOrEqualToThreshold",
            },
        },
    },
    "Outputs": {"QueueUrl": {"Value": {"Ref": "Queue"}}},
}


def _error_code(err: pytest.ExceptionInfo[ClientError]) -> str:
    return err.value.response["Error"]["Code"]


def test_replacement_is_planned_and_propagates_to_dependents(
    cfn: Any, client: Callable[[str], Any]
) -> None:
    deploy(cfn, "queues", QUEUES, {"QueueName": "first", "WithAlarm": "yes"})
    before = physical_ids(cfn, "queues")
    change_set = create_change_set(
        cfn, "queues", "rename", QUEUES, {"QueueName": "second", "WithAlarm": "yes"}, "UPDATE"
    )
    changes = {
        c["ResourceChange"]["LogicalResourceId"]: c["ResourceChange"] for c in change_set["Changes"]
    }
    assert changes["Queue"]["Replacement"] == "True"
    assert changes["Queue"]["Details"][0]["Target"]["RequiresRecreation"] == "Always"
    assert changes["Depth"]["Replacement"] == "False"  # only its dimension value changes
    assert changes["Depth"]["Details"][0]["ChangeSource"] == "ResourceReference"
    cfn.execute_change_set(ChangeSetName=change_set["ChangeSetId"])
    cfn.get_waiter("stack_update_complete").wait(StackName="queues", WaiterConfig=WAITER)

    after = physical_ids(cfn, "queues")
    assert after["Queue"].endswith("/second") and before["Queue"].endswith("/first")
    assert after["Depth"] == before["Depth"]
    stack = cfn.describe_stacks(StackName="queues")["Stacks"][0]
    assert outputs(stack)["QueueUrl"] == after["Queue"]  # outputs follow the new resource
    names = [u.rsplit("/", 1)[1] for u in client("sqs").list_queues().get("QueueUrls", [])]
    assert "second" in names and "first" not in names  # the old queue went after the new one came
    (alarm,) = client("cloudwatch").describe_alarms(AlarmNames=[after["Depth"]])["MetricAlarms"]
    assert alarm["Dimensions"] == [{"Name": "QueueName", "Value": "second"}]
    delete(cfn, "queues")


def test_condition_flips_add_and_remove_resources(cfn: Any, client: Callable[[str], Any]) -> None:
    cloudwatch = client("cloudwatch")
    deploy(cfn, "flip", QUEUES, {"QueueName": "flip"})
    assert "Depth" not in physical_ids(cfn, "flip")

    on = create_change_set(
        cfn, "flip", "on", QUEUES, {"QueueName": "flip", "WithAlarm": "yes"}, "UPDATE"
    )
    assert [
        (c["ResourceChange"]["Action"], c["ResourceChange"]["LogicalResourceId"])
        for c in on["Changes"]
    ] == [("Add", "Depth")]
    cfn.execute_change_set(ChangeSetName=on["ChangeSetId"])
    cfn.get_waiter("stack_update_complete").wait(StackName="flip", WaiterConfig=WAITER)
    alarm_name = physical_ids(cfn, "flip")["Depth"]
    assert cloudwatch.describe_alarms(AlarmNames=[alarm_name])["MetricAlarms"]

    off = create_change_set(
        cfn, "flip", "off", QUEUES, {"QueueName": "flip", "WithAlarm": "no"}, "UPDATE"
    )
    assert [
        (c["ResourceChange"]["Action"], c["ResourceChange"]["LogicalResourceId"])
        for c in off["Changes"]
    ] == [("Remove", "Depth")]
    cfn.execute_change_set(ChangeSetName=off["ChangeSetId"])
    cfn.get_waiter("stack_update_complete").wait(StackName="flip", WaiterConfig=WAITER)
    assert cloudwatch.describe_alarms(AlarmNames=[alarm_name])["MetricAlarms"] == []
    assert "Depth" not in physical_ids(cfn, "flip")

    deploy(cfn, "flip", QUEUES, {"QueueName": "flip", "WithAlarm": "yes"}, name="again")
    assert cloudwatch.describe_alarms(AlarmNames=[physical_ids(cfn, "flip")["Depth"]])[
        "MetricAlarms"
    ]
    delete(cfn, "flip")


def test_use_previous_value_and_noecho(cfn: Any) -> None:
    params = {"QueueName": "prev", "Regions": "eu,us", "Secret": "hunter2"}
    deploy(cfn, "prev", QUEUES, params)
    shown = {
        p["ParameterKey"]: p["ParameterValue"]
        for p in cfn.describe_stacks(StackName="prev")["Stacks"][0]["Parameters"]
    }
    assert shown["Secret"] == "****"
    assert shown["Regions"] == "eu,us"

    created = cfn.create_change_set(
        StackName="prev",
        ChangeSetName="keep",
        ChangeSetType="UPDATE",
        TemplateBody=json.dumps(QUEUES),
        Parameters=[
            {"ParameterKey": "QueueName", "ParameterValue": "prev"},
            {"ParameterKey": "Regions", "UsePreviousValue": True},
            {"ParameterKey": "Secret", "UsePreviousValue": True},
            {"ParameterKey": "WithAlarm", "ParameterValue": "yes"},
        ],
    )
    cfn.get_waiter("change_set_create_complete").wait(
        ChangeSetName=created["Id"], WaiterConfig=WAITER
    )
    cfn.execute_change_set(ChangeSetName=created["Id"])
    cfn.get_waiter("stack_update_complete").wait(StackName="prev", WaiterConfig=WAITER)
    shown = {
        p["ParameterKey"]: p["ParameterValue"]
        for p in cfn.describe_stacks(StackName="prev")["Stacks"][0]["Parameters"]
    }
    assert (shown["Regions"], shown["Secret"], shown["WithAlarm"]) == ("eu,us", "****", "yes")
    # Only the changed parameter counts: the same values again make no change.
    again = create_change_set(
        cfn, "prev", "again", QUEUES, {**params, "WithAlarm": "yes"}, "UPDATE"
    )
    assert again["Status"] == "FAILED"
    assert again["StatusReason"].startswith("The submitted information didn't contain changes")
    delete(cfn, "prev")


def test_failed_create_rolls_back_with_the_resource_reason(
    cfn: Any, client: Callable[[str], Any]
) -> None:
    template = {
        "Resources": {
            "Queue": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": "rolled-back"}},
            "Role": {
                "Type": "AWS::IAM::Role",
                "Properties": {
                    "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": []}
                },
            },
            "Function": {
                "Type": "AWS::Lambda::Function",
                "Properties": {
                    "Runtime": "python3.12",
                    "Handler": "lambda_function.lambda_handler",
                    "Role": {"Fn::GetAtt": ["Role", "Arn"]},
                    "Code": {"S3Bucket": "nowhere", "S3Key": "missing.zip"},
                },
            },
        }
    }
    change_set = create_change_set(cfn, "broken", "create", template, {}, "CREATE")
    cfn.execute_change_set(ChangeSetName=change_set["ChangeSetId"])
    with pytest.raises(WaiterError):
        cfn.get_waiter("stack_create_complete").wait(StackName="broken", WaiterConfig=WAITER)
    stack = cfn.describe_stacks(StackName="broken")["Stacks"][0]
    assert stack["StackStatus"] == "ROLLBACK_COMPLETE"
    assert "[Function]" in stack["StackStatusReason"]
    events = cfn.describe_stack_events(StackName="broken")["StackEvents"]
    (failed,) = [e for e in events if e["ResourceStatus"] == "CREATE_FAILED"]
    assert failed["LogicalResourceId"] == "Function"
    assert failed["ResourceType"] == "AWS::Lambda::Function"
    assert "NoSuchBucket" in failed["ResourceStatusReason"]
    assert [e["ResourceStatus"] for e in events[:2]] == ["ROLLBACK_COMPLETE", "DELETE_COMPLETE"]
    assert "rolled-back" not in " ".join(client("sqs").list_queues().get("QueueUrls", []))
    # Looking at the rolled-back stack does not bring its resources back.
    assert physical_ids(cfn, "broken") == {}
    assert "rolled-back" not in " ".join(client("sqs").list_queues().get("QueueUrls", []))

    # A stack in ROLLBACK_COMPLETE can only be deleted.
    with pytest.raises(ClientError) as err:
        create_change_set(cfn, "broken", "again", template, {}, "CREATE")
    assert _error_code(err) == "AlreadyExistsException"
    with pytest.raises(ClientError) as err:
        create_change_set(cfn, "broken", "fix", template, {}, "UPDATE")
    assert _error_code(err) == "ValidationError"
    delete(cfn, "broken")


def test_change_set_refusals(cfn: Any) -> None:
    unknown = {"Resources": {"Thing": {"Type": "AWS::Foo::Bar", "Properties": {}}}}
    with pytest.raises(ClientError) as err:
        create_change_set(cfn, "refused", "a", unknown, {}, "CREATE")
    assert "Unrecognized resource types: [AWS::Foo::Bar]" in str(err.value)

    padded = {**QUEUES, "Description": "x" * 51_200}  # over CloudFormation's inline limit
    with pytest.raises(ClientError) as err:
        create_change_set(cfn, "refused", "big", padded, {"QueueName": "q"}, "CREATE")
    assert "51200" in str(err.value)

    with pytest.raises(ClientError) as err:
        create_change_set(cfn, "refused", "b", QUEUES, {}, "CREATE")  # QueueName has no default
    assert _error_code(err) == "ValidationError"
    assert "QueueName" in str(err.value)
    assert not [s for s in cfn.list_stacks()["StackSummaries"] if s["StackName"] == "refused"]


def test_execution_consumes_the_stack_change_sets(cfn: Any) -> None:
    first = create_change_set(cfn, "once", "first", QUEUES, {"QueueName": "once"}, "CREATE")
    second = create_change_set(cfn, "once", "second", QUEUES, {"QueueName": "once"}, "CREATE")
    assert first["StackId"] == second["StackId"]  # one stack under review, two change sets
    cfn.execute_change_set(ChangeSetName=first["ChangeSetId"])
    cfn.get_waiter("stack_create_complete").wait(StackName="once", WaiterConfig=WAITER)
    executed = cfn.describe_change_set(ChangeSetName=first["ChangeSetId"])
    assert executed["ExecutionStatus"] == "EXECUTE_COMPLETE"
    with pytest.raises(ClientError):
        cfn.describe_change_set(ChangeSetName=second["ChangeSetId"])
    with pytest.raises(ClientError) as err:
        cfn.execute_change_set(ChangeSetName=first["ChangeSetId"])
    assert _error_code(err) == "InvalidChangeSetStatus"
    delete(cfn, "once")


def test_template_url_on_the_local_endpoint(
    cfn: Any, client: Callable[[str], Any], local_aws: Any
) -> None:
    s3 = client("s3")
    s3.create_bucket(Bucket="templates")
    s3.put_object(Bucket="templates", Key="t/queues.json", Body=json.dumps(QUEUES).encode())
    for n, url in enumerate(
        (
            f"{local_aws.endpoint_url}/templates/t/queues.json",
            "https://templates.s3.us-east-1.amazonaws.com/t/queues.json",
        )
    ):
        created = cfn.create_change_set(
            StackName=f"from-url-{n}",
            ChangeSetName="c",
            ChangeSetType="CREATE",
            TemplateURL=url,
            Parameters=as_parameters({"QueueName": f"from-url-{n}"}),
        )
        described = cfn.describe_change_set(ChangeSetName=created["Id"])
        assert described["Status"] == "CREATE_COMPLETE"
        assert described["Changes"][0]["ResourceChange"]["LogicalResourceId"] == "Queue"
    with pytest.raises(ClientError) as err:
        cfn.create_change_set(
            StackName="from-url-x",
            ChangeSetName="c",
            ChangeSetType="CREATE",
            TemplateURL=f"{local_aws.endpoint_url}/templates/missing.json",
        )
    assert _error_code(err) == "ValidationError"


def test_delete_failure_is_reported_and_retryable(cfn: Any, client: Callable[[str], Any]) -> None:
    s3 = client("s3")
    deploy(cfn, "full", {"Resources": {"Bucket": {"Type": "AWS::S3::Bucket"}}})
    bucket = physical_ids(cfn, "full")["Bucket"]
    s3.put_object(Bucket=bucket, Key="left-behind", Body=b"x")
    cfn.delete_stack(StackName="full")
    with pytest.raises(WaiterError):
        cfn.get_waiter("stack_delete_complete").wait(StackName="full", WaiterConfig=WAITER)
    stack = cfn.describe_stacks(StackName="full")["Stacks"][0]
    assert stack["StackStatus"] == "DELETE_FAILED"
    (failed,) = [
        e
        for e in cfn.describe_stack_events(StackName="full")["StackEvents"]
        if e["ResourceStatus"] == "DELETE_FAILED" and e["LogicalResourceId"] == "Bucket"
    ]
    assert "BucketNotEmpty" in failed["ResourceStatusReason"]
    s3.delete_object(Bucket=bucket, Key="left-behind")
    delete(cfn, "full")
    assert bucket not in [b["Name"] for b in s3.list_buckets()["Buckets"]]


def test_events_carry_the_operation_client_request_token(cfn: Any) -> None:
    change_set = create_change_set(cfn, "tokens", "c", QUEUES, {"QueueName": "tokens"}, "CREATE")
    cfn.execute_change_set(ChangeSetName=change_set["ChangeSetId"], ClientRequestToken="deploy-1")
    cfn.get_waiter("stack_create_complete").wait(StackName="tokens", WaiterConfig=WAITER)
    events = cfn.describe_stack_events(StackName="tokens")["StackEvents"]
    mine = [
        (e["LogicalResourceId"], e["ResourceStatus"])
        for e in events
        if e.get("ClientRequestToken") == "deploy-1"
    ]
    assert mine == [
        ("tokens", "CREATE_COMPLETE"),
        ("Queue", "CREATE_COMPLETE"),
        ("Queue", "CREATE_IN_PROGRESS"),
        ("tokens", "CREATE_IN_PROGRESS"),
    ]
    assert events[-1]["ResourceStatus"] == "REVIEW_IN_PROGRESS"  # before the operation, no token
    assert "ClientRequestToken" not in events[-1]
    cfn.delete_stack(StackName="tokens", ClientRequestToken="delete-1")
    stack_id = change_set["StackId"]
    events = cfn.describe_stack_events(StackName=stack_id)["StackEvents"]
    assert events[0]["ResourceStatus"] == "DELETE_COMPLETE"
    assert events[0]["ClientRequestToken"] == "delete-1"


def test_exports_follow_the_stack_and_a_deleted_stack_stays_deleted(
    cfn: Any, client: Callable[[str], Any]
) -> None:
    template = {
        **QUEUES,
        "Outputs": {"QueueUrl": {"Value": {"Ref": "Queue"}, "Export": {"Name": "shared-queue"}}},
    }
    stack = deploy(cfn, "exporter", template, {"QueueName": "exported"})
    exports = {e["Name"]: e["Value"] for e in cfn.list_exports()["Exports"]}
    assert exports["shared-queue"] == outputs(stack)["QueueUrl"]
    delete(cfn, "exporter")
    assert "shared-queue" not in {e["Name"] for e in cfn.list_exports()["Exports"]}
    deleted = cfn.describe_stacks(StackName=stack["StackId"])["Stacks"][0]
    assert deleted["StackStatus"] == "DELETE_COMPLETE"
    names = [u.rsplit("/", 1)[1] for u in client("sqs").list_queues().get("QueueUrls", [])]
    assert "exported" not in names


def test_describe_stacks_answers_a_list_parameter_as_text(cfn: Any) -> None:
    # moto 5.2.5 alone answers a CommaDelimitedList as a Python list's repr ("['a', 'b']");
    # CloudFormation (and so the deployer's comparison) uses "a,b".
    template = {
        "Parameters": {"Ids": {"Type": "CommaDelimitedList", "Default": "a,b"}},
        "Resources": {"Topic": {"Type": "AWS::SNS::Topic"}},
    }
    stack = deploy(cfn, "list-as-text", template, {"Ids": "x:0,y:0"})
    values = {p["ParameterKey"]: p["ParameterValue"] for p in stack["Parameters"]}
    assert values["Ids"] == "x:0,y:0"
    delete(cfn, "list-as-text")


def test_list_change_sets_names_only_the_stacks_own(cfn: Any) -> None:
    template = {"Resources": {"Topic": {"Type": "AWS::SNS::Topic"}}}
    create_change_set(cfn, "own-a", "cs-a", template, {}, "CREATE")
    create_change_set(cfn, "own-b", "cs-b", template, {}, "CREATE")
    listed = cfn.list_change_sets(StackName="own-a")["Summaries"]
    assert [c["ChangeSetName"] for c in listed] == ["cs-a"]
    for stack in ("own-a", "own-b"):
        cfn.delete_stack(StackName=stack)


def test_describe_stacks_has_last_updated_time_after_an_update(cfn: Any) -> None:
    template = {
        "Parameters": {"Name": {"Type": "String", "Default": "a"}},
        "Resources": {
            "Topic": {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": {"Ref": "Name"}}}
        },
    }
    created = deploy(cfn, "last-updated", template, {"Name": "first"})
    assert "LastUpdatedTime" not in created  # as AWS: only once the stack has been updated
    updated = deploy(cfn, "last-updated", template, {"Name": "second"})
    assert updated["LastUpdatedTime"] >= updated["CreationTime"]
    delete(cfn, "last-updated")
