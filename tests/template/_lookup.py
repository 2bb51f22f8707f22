"""Small lookups over the parsed template, shared by the tests of this folder."""

from __future__ import annotations

from typing import Any

Doc = dict[str, Any]


def of_type(resources: dict[str, Doc], type_: str) -> dict[str, Doc]:
    """Every resource of one CloudFormation type, by logical id."""
    return {name: res for name, res in resources.items() if res["Type"] == type_}


def only(resources: dict[str, Doc], type_: str) -> tuple[str, Doc]:
    """The single resource of a type, as (logical id, resource)."""
    found = of_type(resources, type_)
    assert len(found) == 1, f"expected one {type_}, found {sorted(found)}"
    return next(iter(found.items()))


def props(resources: dict[str, Doc], type_: str) -> Doc:
    """The Properties of the single resource of a type."""
    return only(resources, type_)[1]["Properties"]


def function_log_group(resources: dict[str, Doc]) -> tuple[str, Doc]:
    """The log group named after the function (the other one holds API access logs)."""
    for name, res in of_type(resources, "AWS::Logs::LogGroup").items():
        if "/aws/lambda/" in str(res["Properties"].get("LogGroupName", "")):
            return name, res
    raise AssertionError("no /aws/lambda/ log group")
