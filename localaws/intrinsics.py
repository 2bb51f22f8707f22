"""Template conditions compared the way CloudFormation compares them: as strings.

moto resolves a ``Ref`` to a Number parameter to an int, so ``Fn::Equals [{"Ref": "N"}, "0"]``
compares ``0 == "0"`` and is false. The project's template guards reserved concurrency exactly
like that, so stock moto deployed a function with reserved concurrency 0 by default.
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


def install() -> None:
    parsing.parse_condition = parse_condition  # type: ignore[assignment]
