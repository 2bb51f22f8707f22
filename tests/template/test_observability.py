"""Logs kept for a week, alarms on errors, throttles and dead letters."""

from __future__ import annotations

from tests.template._lookup import function_log_group, of_type, only


def test_every_log_group_keeps_seven_days(resources) -> None:
    groups = of_type(resources, "AWS::Logs::LogGroup")
    assert len(groups) == 2  # the function's and the API's access log
    for group in groups.values():
        assert group["Properties"]["RetentionInDays"] == 7


def test_function_log_group_is_created_by_the_stack(resources) -> None:
    _, group = function_log_group(resources)
    assert group["Type"] == "AWS::Logs::LogGroup"


def _alarms_by_metric(resources) -> dict[str, dict]:
    alarms = of_type(resources, "AWS::CloudWatch::Alarm").values()
    return {a["Properties"]["MetricName"]: a["Properties"] for a in alarms}


def test_alarms_on_function_errors_and_throttles(resources) -> None:
    function, _ = only(resources, "AWS::Lambda::Function")
    alarms = _alarms_by_metric(resources)
    for metric in ("Errors", "Throttles"):
        alarm = alarms[metric]
        assert alarm["Namespace"] == "AWS/Lambda"
        assert alarm["Dimensions"] == [{"Name": "FunctionName", "Value": {"Ref": function}}]
        assert alarm["Threshold"] >= 1
        assert alarm["TreatMissingData"] == "notBreaching"


def test_alarm_on_messages_in_the_dead_letter_queue(resources) -> None:
    queue, _ = only(resources, "AWS::SQS::Queue")
    # Sent, not visible: the consumer deletes each dead letter within seconds of its arrival.
    alarm = _alarms_by_metric(resources)["NumberOfMessagesSent"]
    assert alarm["Namespace"] == "AWS/SQS"
    assert alarm["Statistic"] == "Sum"
    assert alarm["Dimensions"] == [
        {"Name": "QueueName", "Value": {"Fn::GetAtt": [queue, "QueueName"]}}
    ]
