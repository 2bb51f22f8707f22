"""Which resources a stack update adds, modifies (and whether it replaces them) and removes.

Stock moto marks a resource as modified only when its template JSON changed or it has a direct
``Ref`` to a changed parameter (not ``Fn::Sub`` or a condition), and its change sets ignore
parameters entirely, so a parameter-only update showed no changes. This planner follows what
CloudFormation does: a resource changes when its JSON changes or when anything it references
(``Ref``, ``Fn::GetAtt``, ``Fn::Sub``, conditions) does, and a replaced resource forces an update
of everything that references it. Replacement is decided by the properties that AWS documents as
"Update requires: Replacement" for the types this project uses.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

ALL = "*"  # every property requires replacement

REPLACEMENT_PROPERTIES: dict[str, frozenset[str] | str] = {
    "AWS::ApiGatewayV2::Api": frozenset({"ProtocolType"}),
    "AWS::ApiGatewayV2::Integration": frozenset({"ApiId"}),
    "AWS::ApiGatewayV2::Route": frozenset({"ApiId"}),
    "AWS::ApiGatewayV2::Stage": frozenset({"ApiId", "StageName"}),
    "AWS::CloudFront::Distribution": frozenset(),
    "AWS::CloudFront::OriginAccessControl": frozenset(),
    "AWS::CloudFront::ResponseHeadersPolicy": frozenset(),
    "AWS::CloudWatch::Alarm": frozenset({"AlarmName"}),
    "AWS::IAM::Policy": frozenset(),
    "AWS::IAM::Role": frozenset({"RoleName", "Path"}),
    "AWS::Lambda::EventInvokeConfig": frozenset({"FunctionName", "Qualifier"}),
    "AWS::Lambda::EventSourceMapping": frozenset(
        {"EventSourceArn", "StartingPosition", "StartingPositionTimestamp"}
    ),
    "AWS::Lambda::Function": frozenset({"FunctionName"}),
    "AWS::Lambda::Permission": ALL,
    "AWS::Logs::LogGroup": frozenset({"LogGroupName"}),
    "AWS::S3::Bucket": frozenset({"BucketName", "ObjectLockEnabled"}),
    "AWS::S3::BucketPolicy": frozenset({"Bucket"}),
    "AWS::SecretsManager::Secret": frozenset({"Name"}),
    "AWS::SQS::Queue": frozenset({"QueueName", "FifoQueue"}),
}

_SUB_VARIABLE = re.compile(r"\$\{([^!}][^}]*)\}")


@dataclass
class PlannedChange:
    action: str  # Add | Modify | Remove
    logical_id: str
    resource_type: str
    replacement: str | None = None  # "True" | "False" for Modify
    scope: list[str] = field(default_factory=list)
    details: list[dict[str, Any]] = field(default_factory=list)


def references(node: Any, conditions: dict[str, Any] | None = None) -> set[str]:
    """Names (parameters, resources, pseudo parameters) a template fragment depends on."""
    conditions = conditions or {}
    found: set[str] = set()

    def walk(value: Any, local: frozenset[str] = frozenset()) -> None:
        if isinstance(value, list):
            for item in value:
                walk(item, local)
        elif isinstance(value, dict):
            for key, item in value.items():
                if key == "Ref" and isinstance(item, str):
                    if item not in local:
                        found.add(item)
                elif key == "Fn::GetAtt":
                    target = item[0] if isinstance(item, list) else str(item).split(".")[0]
                    found.add(target)
                elif key == "Fn::Sub":
                    text, mapping = (item[0], item[1]) if isinstance(item, list) else (item, {})
                    walk(mapping, local)
                    for var in _SUB_VARIABLE.findall(text if isinstance(text, str) else ""):
                        name = var.split(".")[0]
                        if name not in mapping:
                            found.add(name)
                elif key in ("Fn::If", "Condition") and conditions:
                    name = item[0] if key == "Fn::If" else item
                    if isinstance(name, str) and name in conditions:
                        walk(conditions[name], local)
                    if key == "Fn::If":
                        walk(item[1:], local)
                else:
                    walk(item, local)

    walk(node)
    return found


def effective_parameters(template: dict[str, Any], given: dict[str, Any]) -> dict[str, str]:
    """Every declared parameter's value as text: the given one, else the default."""
    out: dict[str, str] = {}
    for name, spec in (template.get("Parameters") or {}).items():
        value = given.get(name, spec.get("Default"))
        if value is not None:
            out[name] = value if isinstance(value, str) else str(value)
    return out


def _replacement_props(resource_type: str) -> frozenset[str] | str:
    return REPLACEMENT_PROPERTIES.get(resource_type, frozenset())


def plan(
    old_template: dict[str, Any],
    old_parameters: dict[str, Any],
    new_template: dict[str, Any],
    new_parameters: dict[str, Any],
    old_active: set[str] | None = None,
    new_active: set[str] | None = None,
) -> list[PlannedChange]:
    """``old_active``: resources that exist now; ``new_active``: those whose Condition holds
    after the change (``None``: all of them). A condition that flips adds or removes."""
    old_resources: dict[str, Any] = {
        k: v
        for k, v in (old_template.get("Resources") or {}).items()
        if old_active is None or k in old_active
    }
    new_resources: dict[str, Any] = {
        k: v
        for k, v in (new_template.get("Resources") or {}).items()
        if new_active is None or k in new_active
    }
    conditions = new_template.get("Conditions") or {}
    old_values = effective_parameters(old_template, old_parameters)
    new_values = effective_parameters(new_template, new_parameters)
    changed_params = {
        name
        for name in set(old_values) | set(new_values)
        if old_values.get(name) != new_values.get(name)
    }

    changes: dict[str, PlannedChange] = {}
    for name, resource in new_resources.items():
        if name not in old_resources:
            changes[name] = PlannedChange("Add", name, resource["Type"])

    replaced: set[str] = set()
    while True:  # until no newly replaced resource drags in another update
        grew = False
        for name, new in new_resources.items():
            old = old_resources.get(name)
            if old is None:
                continue
            change = _modification(name, old, new, changed_params, replaced, conditions)
            if change is None:
                continue
            known = changes.get(name)
            if known is None or known.replacement != change.replacement:
                changes[name] = change
                grew = True
            if change.replacement == "True" and name not in replaced:
                replaced.add(name)
                grew = True
        if not grew:
            break

    for name, resource in old_resources.items():
        if name not in new_resources:
            changes[name] = PlannedChange("Remove", name, resource["Type"])
    # Dependencies first, as CloudFormation applies them: an update that reads another
    # resource's attribute must see that resource's new state.
    rank = {name: i for i, name in enumerate(_dependency_order(new_resources, conditions))}
    order = {"Add": 0, "Modify": 1, "Remove": 2}
    return sorted(
        changes.values(),
        key=lambda c: (order[c.action], rank.get(c.logical_id, len(rank)), c.logical_id),
    )


def _dependency_order(resources: dict[str, Any], conditions: dict[str, Any]) -> list[str]:
    """Logical ids with every resource after the resources it references or DependsOn."""
    edges: dict[str, set[str]] = {}
    for name, resource in resources.items():
        depends = resource.get("DependsOn") or []
        depends = {depends} if isinstance(depends, str) else set(depends)
        refs = references(resource.get("Properties") or {}, conditions) | depends
        edges[name] = {r for r in refs if r in resources and r != name}
    ordered: list[str] = []
    state: dict[str, int] = {}  # 1 visiting, 2 done; a cycle is left to CloudFormation's error

    def visit(name: str) -> None:
        if state.get(name):
            return
        state[name] = 1
        for dep in sorted(edges[name]):
            visit(dep)
        state[name] = 2
        ordered.append(name)

    for name in sorted(resources):
        visit(name)
    return ordered


def _modification(
    name: str,
    old: dict[str, Any],
    new: dict[str, Any],
    changed_params: set[str],
    replaced: set[str],
    conditions: dict[str, Any],
) -> PlannedChange | None:
    dirty = changed_params | replaced
    if old.get("Type") != new.get("Type"):
        return PlannedChange("Modify", name, new["Type"], "True", ["Properties"])
    old_props = old.get("Properties") or {}
    new_props = new.get("Properties") or {}
    replace_props = _replacement_props(new["Type"])
    details: list[dict[str, Any]] = []
    for prop in sorted(set(old_props) | set(new_props)):
        before, after = old_props.get(prop), new_props.get(prop)
        causes = references(after, conditions) & dirty
        if before == after and not causes:
            continue
        recreation = "Always" if replace_props == ALL or prop in replace_props else "Never"
        target = {
            "Attribute": "Tags" if prop == "Tags" else "Properties",
            "Name": prop,
            "RequiresRecreation": recreation,
        }
        detail: dict[str, Any] = {"Target": target, "Evaluation": "Static"}
        if before != after:
            detail["ChangeSource"] = "DirectModification"
        else:
            cause = sorted(causes)[0]
            detail["ChangeSource"] = (
                "ParameterReference" if cause in changed_params else "ResourceReference"
            )
            detail["CausingEntity"] = cause
        details.append(detail)
    # Attributes outside Properties (DependsOn, policies, Condition) change no physical resource.
    if not details:
        return None
    replacement = (
        "True" if any(d["Target"]["RequiresRecreation"] == "Always" for d in details) else "False"
    )
    scope = sorted({d["Target"]["Attribute"] for d in details})
    return PlannedChange("Modify", name, new["Type"], replacement, scope, details)
