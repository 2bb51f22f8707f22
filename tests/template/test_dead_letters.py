"""Dead letters go back to the function: the DLQ consumer, the worker's retry policy, its IAM."""

from __future__ import annotations

from pixelprompt import jobs

from tests.template._lookup import only, props


def test_the_dlq_is_consumed_by_the_same_function(resources) -> None:
    queue, _ = only(resources, "AWS::SQS::Queue")
    function, _ = only(resources, "AWS::Lambda::Function")
    mapping = props(resources, "AWS::Lambda::EventSourceMapping")
    assert mapping["EventSourceArn"] == {"Fn::GetAtt": [queue, "Arn"]}
    assert mapping["FunctionName"] == {"Ref": function}
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert mapping["MaximumBatchingWindowInSeconds"] == 0
    assert mapping["ScalingConfig"] == {"MaximumConcurrency": 2}


def test_the_queue_hides_a_message_as_long_as_the_function_may_run(resources) -> None:
    # Lambda refuses an SQS event source whose visibility timeout is below the function timeout.
    queue = props(resources, "AWS::SQS::Queue")
    assert queue["VisibilityTimeout"] >= props(resources, "AWS::Lambda::Function")["Timeout"]


def test_worker_events_age_out_when_the_handler_says_a_queued_job_ends(resources) -> None:
    config = props(resources, "AWS::Lambda::EventInvokeConfig")
    function, _ = only(resources, "AWS::Lambda::Function")
    assert config["FunctionName"] == {"Ref": function}
    assert config["Qualifier"] == "$LATEST"
    assert config["MaximumRetryAttempts"] == 0  # a failed worker goes straight to the DLQ
    assert config["MaximumEventAgeInSeconds"] == jobs.QUEUE_SECONDS


def test_the_role_may_consume_only_its_own_dlq(resources) -> None:
    queue, _ = only(resources, "AWS::SQS::Queue")
    role = props(resources, "AWS::IAM::Role")
    statements = [s for p in role["Policies"] for s in p["PolicyDocument"]["Statement"]]
    consume = [s for s in statements if "sqs:ReceiveMessage" in s["Action"]]
    assert len(consume) == 1
    assert sorted(consume[0]["Action"]) == [
        "sqs:DeleteMessage",
        "sqs:GetQueueAttributes",
        "sqs:ReceiveMessage",
    ]
    assert consume[0]["Resource"] == [{"Fn::GetAtt": [queue, "Arn"]}]
