"""AWS::CloudWatch::Alarm in moto's cloudwatch backend (single-metric alarms).

Ref: the alarm name; GetAtt Arn. A new AlarmName replaces the alarm, anything else updates it.
"""

from __future__ import annotations

from typing import Any

from moto.cloudwatch.models import CloudWatchBackend, cloudwatch_backends
from moto.core.common_models import CloudFormationModel

from local.aws.cfn.common import ResourceType, properties, tag_list


def _backend(account_id: str, region_name: str) -> CloudWatchBackend:
    return cloudwatch_backends[account_id][region_name]


def _put(name: str, props: dict[str, Any], backend: CloudWatchBackend) -> str:
    if "Metrics" in props:
        raise NotImplementedError("localaws: AWS::CloudWatch::Alarm with metric math (Metrics)")
    alarm = backend.put_metric_alarm(
        name=name,
        namespace=props.get("Namespace"),
        metric_name=props.get("MetricName"),
        comparison_operator=props["ComparisonOperator"],
        evaluation_periods=int(props["EvaluationPeriods"]),
        period=int(props["Period"]) if "Period" in props else None,
        threshold=float(props["Threshold"]) if "Threshold" in props else None,
        statistic=props.get("Statistic"),
        description=props.get("AlarmDescription"),
        dimensions=list(props.get("Dimensions", [])),
        alarm_actions=list(props.get("AlarmActions", [])),
        datapoints_to_alarm=props.get("DatapointsToAlarm"),
        extended_statistic=props.get("ExtendedStatistic"),
        ok_actions=list(props.get("OKActions", [])),
        insufficient_data_actions=list(props.get("InsufficientDataActions", [])),
        unit=props.get("Unit"),
        actions_enabled=props.get("ActionsEnabled", True),
        treat_missing_data=props.get("TreatMissingData"),
        evaluate_low_sample_count_percentile=props.get("EvaluateLowSampleCountPercentile"),
        threshold_metric_id=props.get("ThresholdMetricId"),
    )
    backend.tagger.delete_all_tags_for_resource(alarm.alarm_arn)
    backend.tagger.tag_resource(alarm.alarm_arn, tag_list(props.get("Tags")))
    return alarm.alarm_arn


class AlarmResource(ResourceType, CloudFormationModel):
    cfn_type = "AWS::CloudWatch::Alarm"
    cfn_name_type = "AlarmName"
    getatt_names = frozenset({"Arn"})

    def __init__(self, name: str, arn: str) -> None:
        self.name = name
        self.arn = arn

    @property
    def physical_resource_id(self) -> str:
        return self.name

    def getatt_values(self) -> dict[str, Any]:
        return {"Arn": self.arn}

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[misc]
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> AlarmResource:
        props = properties(cloudformation_json)
        arn = _put(resource_name, props, _backend(account_id, region_name))
        return cls(resource_name, arn)

    @classmethod
    def update_from_cloudformation_json(  # type: ignore[misc]
        cls,
        original_resource: AlarmResource,
        new_resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> AlarmResource:
        props = properties(cloudformation_json)
        name = props.get("AlarmName", original_resource.name)
        backend = _backend(account_id, region_name)
        arn = _put(name, props, backend)
        if name != original_resource.name:
            original_resource.delete(account_id, region_name)
        return cls(name, arn)

    @classmethod
    def delete_from_cloudformation_json(  # type: ignore[misc]
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> None:
        _backend(account_id, region_name).delete_alarms([resource_name])

    def delete(self, account_id: str, region_name: str) -> None:
        backend = _backend(account_id, region_name)
        backend.delete_alarms([self.name])
        backend.tagger.delete_all_tags_for_resource(self.arn)
