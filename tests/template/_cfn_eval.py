"""A tiny evaluator for the intrinsic functions the template uses in IAM resources.

Enough to check what CloudFormation will make of an expression for given parameter values;
resource attributes and unknown functions raise, so a test cannot pass by accident.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

NO_VALUE = object()
PSEUDO = {"AWS::Partition": "aws", "AWS::Region": "eu-west-1", "AWS::AccountId": "123456789012"}


@dataclass
class Evaluator:
    doc: dict[str, Any]
    params: dict[str, str] = field(default_factory=dict)

    def param(self, name: str) -> str | list[str]:
        if name in PSEUDO:
            return PSEUDO[name]
        spec = self.doc["Parameters"][name]
        value = str(self.params.get(name, spec.get("Default", "")))
        return value.split(",") if spec["Type"] == "CommaDelimitedList" else value

    def condition(self, name: str) -> bool:
        return bool(self.eval(self.doc["Conditions"][name]))

    def eval(self, node: Any) -> Any:
        if isinstance(node, list):
            return [v for v in (self.eval(n) for n in node) if v is not NO_VALUE]
        if not isinstance(node, dict) or len(node) != 1:
            return node
        ((fn, arg),) = node.items()
        return getattr(self, "fn_" + fn.replace("Fn::", "").lower())(arg)

    def fn_ref(self, name: str) -> Any:
        return NO_VALUE if name == "AWS::NoValue" else self.param(name)

    def fn_condition(self, name: str) -> bool:
        return self.condition(name)

    def fn_join(self, arg: list) -> str:
        return arg[0].join(self.eval(arg[1]))

    def fn_split(self, arg: list) -> list[str]:
        return self.eval(arg[1]).split(arg[0])

    def fn_select(self, arg: list) -> Any:
        return self.eval(arg[1])[int(arg[0])]

    def fn_equals(self, arg: list) -> bool:
        return self.eval(arg[0]) == self.eval(arg[1])

    def fn_not(self, arg: list) -> bool:
        return not self.eval(arg[0])

    def fn_if(self, arg: list) -> Any:
        return self.eval(arg[1] if self.condition(arg[0]) else arg[2])

    def fn_sub(self, arg: Any) -> str:
        text, values = (arg, {}) if isinstance(arg, str) else arg
        resolved = {k: self.eval(v) for k, v in values.items()}
        return re.sub(
            r"\$\{([^}]+)\}",
            lambda m: str(resolved[m[1]] if m[1] in resolved else self.param(m[1])),
            text,
        )
