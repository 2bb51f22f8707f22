"""Two intrinsic-function rules moto gets wrong, evaluated as CloudFormation does.

* ``Fn::Equals`` compares strings. moto resolves a ``Ref`` to a Number parameter to an int, so
  ``Fn::Equals [{"Ref": "N"}, "0"]`` compared ``0 == "0"`` and was false; the project's template
  guards reserved concurrency exactly like that, so stock moto reserved 0 by default.
* ``{"Ref": "AWS::NoValue"}`` in a list removes the element. moto left ``null`` in the list; the
  project's Bedrock policy builds its resource list with ``Fn::If`` ... ``AWS::NoValue``.
"""

from __future__ import annotations

from typing import Any

from moto.cloudformation import parsing


def _text(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, list):
        return [_text(v) for v in value]
    return value


def parse_condition(
    condition: dict[str, Any] | bool,
    resources_map: Any,
    condition_map: dict[str, Any],
) -> bool:
    if isinstance(condition, bool):
        return condition
    operator, operands = next(iter(condition.items()))
    values = []
    for operand in operands:
        if isinstance(operand, dict) and "Condition" in operand:
            values.append(condition_map[operand["Condition"]])
        else:
            values.append(parsing.clean_json(operand, resources_map))
    if operator == "Fn::Equals":
        return bool(_text(values[0]) == _text(values[1]))
    if operator == "Fn::Not":
        return not parse_condition(values[0], resources_map, condition_map)
    if operator == "Fn::And":
        return all(parse_condition(v, resources_map, condition_map) for v in values)
    if operator == "Fn::Or":
        return any(parse_condition(v, resources_map, condition_map) for v in values)
    raise ValueError(f"Unsupported condition function {operator}")


_original_clean_json = parsing.clean_json


def clean_json(resource_json: Any, resources_map: Any) -> Any:
    if isinstance(resource_json, list):
        cleaned = (clean_json(item, resources_map) for item in resource_json)
        return [item for item in cleaned if item is not None]
    # moto's own function recurses through the module global, i.e. back into this one.
    return _original_clean_json(resource_json, resources_map)


def install() -> None:
    parsing.parse_condition = parse_condition  # type: ignore[assignment]
    parsing.clean_json = clean_json
