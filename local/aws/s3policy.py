"""Bucket policy evaluation that does not lock everyone out of a TLS-only, CloudFront-only bucket.

moto enforces bucket policies on object requests, but treats a statement whose condition it
cannot evaluate as a DENY, whatever its effect, and applies statements made for a named service
principal to every caller. The project's buckets carry exactly such statements (``Deny s3:*``
unless ``aws:SecureTransport``; ``Allow`` CloudFront with ``AWS:SourceArn``), so every object read
and write on the local endpoint was refused with 403.

Here a statement counts only when it names everyone as principal (``"*"`` or ``{"AWS": "*"}``:
the endpoint cannot tell who signed a request) and its conditions hold for the request context
this endpoint knows: ``aws:SecureTransport`` is ``true``, since the endpoint stands in for AWS's
HTTPS one. Conditions on anything else do not hold, so such a statement does not apply.
"""

from __future__ import annotations

import fnmatch
import json
from typing import Any

from moto.iam.access_control import PermissionResult
from moto.s3.models import FakeBucket

CONTEXT = {"aws:securetransport": "true"}


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _matches(patterns: Any, value: str) -> bool:
    return any(fnmatch.fnmatchcase(value, str(p)) for p in _as_list(patterns))


def _everyone(principal: Any) -> bool:
    if principal == "*":
        return True
    return isinstance(principal, dict) and "*" in _as_list(principal.get("AWS", []))


def _condition_holds(operator: str, key: str, expected: Any) -> bool:
    actual = CONTEXT.get(key.lower())
    if operator == "Null":
        return (actual is None) == (str(_as_list(expected)[0]).lower() == "true")
    if actual is None:
        return operator.endswith("IfExists")
    op = operator.removesuffix("IfExists")
    wanted = [str(v) for v in _as_list(expected)]
    if op in ("Bool", "StringEqualsIgnoreCase"):
        return actual.lower() in [w.lower() for w in wanted]
    if op == "StringEquals":
        return actual in wanted
    if op == "StringNotEquals":
        return actual not in wanted
    if op == "StringLike":
        return _matches(wanted, actual)
    if op == "StringNotLike":
        return not _matches(wanted, actual)
    return False  # an operator this endpoint cannot evaluate: the statement does not apply


def _applies(statement: dict[str, Any], action: str, resource: str) -> bool:
    if not _everyone(statement.get("Principal")):
        return False
    if "NotAction" in statement:
        if _matches(statement["NotAction"], action):
            return False
    elif not _matches(statement.get("Action", []), action):
        return False
    if "NotResource" in statement:
        if _matches(statement["NotResource"], resource):
            return False
    elif not _matches(statement.get("Resource", []), resource):
        return False
    conditions = statement.get("Condition") or {}
    return all(
        _condition_holds(operator, key, expected)
        for operator, pairs in conditions.items()
        for key, expected in pairs.items()
    )


def evaluate(policy: bytes | str, action: str, resource: str) -> PermissionResult:
    document = json.loads(policy)
    result = PermissionResult.NEUTRAL
    for statement in _as_list(document.get("Statement", [])):
        if _applies(statement, action, resource):
            if statement.get("Effect") == "Deny":
                return PermissionResult.DENIED  # an explicit deny always wins
            result = PermissionResult.PERMITTED
    return result


def _get_permission(self: FakeBucket, action: str, resource: str) -> PermissionResult:
    if self.policy is None:
        return PermissionResult.NEUTRAL
    return evaluate(self.policy, action, resource)


def install() -> None:
    FakeBucket.get_permission = _get_permission  # type: ignore[method-assign]
