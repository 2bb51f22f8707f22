"""Parameters as CloudFormation shows them: NoEcho values as ``****``, lists as text.

moto's DescribeStacks masks a parameter only when its *value* equals a NoEcho parameter's *name*
(a key/value mix-up), and DescribeChangeSet shows every value.
"""

from __future__ import annotations

from typing import Any

from moto.cloudformation import responses
from moto.cloudformation.models import ChangeSet, Stack

from local.aws.plan import effective_parameters


def _masked(template: dict[str, Any], values: dict[str, Any]) -> list[dict[str, Any]]:
    specs = template.get("Parameters") or {}
    out = []
    for key, value in values.items():
        shown = "****" if specs.get(key, {}).get("NoEcho") in (True, "true", "True") else value
        if isinstance(shown, list):
            shown = ",".join(str(v) for v in shown)
        out.append({"ParameterKey": key, "ParameterValue": str(shown)})
    return out


def _stack_parameter_list(self: Stack) -> list[dict[str, Any]]:
    return _masked(self.template_dict, self.resource_map.resolved_parameters)


def _change_set_parameter_list(self: ChangeSet) -> list[dict[str, Any]]:
    return _masked(self.template_dict, effective_parameters(self.template_dict, self.parameters))


class _ChangeSetMeta:
    serialization_aliases = {"Parameters": "parameter_list"}


def install() -> None:
    Stack.parameter_list = property(_stack_parameter_list)  # type: ignore[assignment,method-assign]
    ChangeSet.parameter_list = property(_change_set_parameter_list)  # type: ignore[attr-defined]
    ChangeSet.Meta = _ChangeSetMeta  # type: ignore[attr-defined]
    # The list above replaces moto's dict-to-list transformer for this response.
    responses.CloudFormationResponse.RESPONSE_KEY_PATH_TO_TRANSFORMER.pop(
        "DescribeChangeSetOutput.Parameters", None
    )
