"""Intrinsic functions evaluated as CloudFormation does where stock moto differs."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.localaws.helpers import delete, deploy, physical_ids

TEMPLATE: dict[str, Any] = {
    "Parameters": {
        "Reserved": {"Type": "Number", "Default": 0},
        "Extra": {"Type": "String", "Default": ""},
    },
    "Conditions": {
        "HasReserved": {"Fn::Not": [{"Fn::Equals": [{"Ref": "Reserved"}, "0"]}]},
        "HasExtra": {"Fn::Not": [{"Fn::Equals": [{"Ref": "Extra"}, ""]}]},
    },
    "Resources": {
        "OnlyWithReserved": {"Type": "AWS::SQS::Queue", "Condition": "HasReserved"},
        "Role": {
            "Type": "AWS::IAM::Role",
            "Properties": {
                "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": []},
                "Policies": [
                    {
                        "PolicyName": "read",
                        "PolicyDocument": {
                            "Version": "2012-10-17",
                            "Statement": [
                                {
                                    "Effect": "Allow",
                                    "Action": ["s3:GetObject"],
                                    "Resource": [
                                        "arn:aws:s3:::always/*",
                                        {
                                            "Fn::If": [
                                                "HasExtra",
                                                {"Fn::Sub": "arn:aws:s3:::${Extra}/*"},
                                                {"Ref": "AWS::NoValue"},
                                            ]
                                        },
                                    ],
                                }
                            ],
                        },
                    }
                ],
            },
        },
    },
}


def _resources(iam: Any, role: str) -> list[str]:
    document = iam.get_role_policy(RoleName=role, PolicyName="read")["PolicyDocument"]
    return document["Statement"][0]["Resource"]


def test_number_parameter_equals_string_and_novalue_in_lists(
    cfn: Any, client: Callable[[str], Any]
) -> None:
    iam = client("iam")
    deploy(cfn, "intrinsics", TEMPLATE)
    ids = physical_ids(cfn, "intrinsics")
    assert set(ids) == {"Role"}  # "0" == "0": the condition is false, no (empty) row for it
    assert _resources(iam, ids["Role"]) == ["arn:aws:s3:::always/*"]  # no null left behind

    deploy(cfn, "intrinsics", TEMPLATE, {"Reserved": "5", "Extra": "more"}, name="on")
    ids = physical_ids(cfn, "intrinsics")
    assert "OnlyWithReserved" in ids
    assert _resources(iam, ids["Role"]) == ["arn:aws:s3:::always/*", "arn:aws:s3:::more/*"]
    delete(cfn, "intrinsics")
