"""Per-resource stack events, as CloudFormation writes them, for operations run through localaws.

Stock moto records only the stack's own events. While a stack operation runs (see ``operation``),
resource creation, update and deletion are wrapped so that each resource gets its
``*_IN_PROGRESS`` / ``*_COMPLETE`` events, and the resource that made the operation fail is kept
so that its ``*_FAILED`` event can carry the real reason, as on AWS.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from moto.cloudformation import parsing
from moto.cloudformation.models import Event, Stack


@dataclass
class Failure:
    logical_id: str
    resource_type: str
    physical_id: str
    status: str  # CREATE_FAILED | UPDATE_FAILED | DELETE_FAILED
    reason: str


class _State(threading.local):
    stack: Stack | None = None
    failures: dict[str, Failure] | None = None
    token: str | None = None  # the request's ClientRequestToken, stamped on its events


_state = _State()


@contextmanager
def operation(stack: Stack, token: str | None = None) -> Iterator[None]:
    """Record resource events on ``stack`` for what runs inside (in this thread)."""
    _state.stack, _state.failures, _state.token = stack, {}, token
    try:
        yield
    finally:
        _state.stack, _state.failures, _state.token = None, None, None


def failures() -> list[Failure]:
    """Resources whose last attempt failed, oldest first (moto retries some in later passes)."""
    return list((_state.failures or {}).values())


def resource_event(
    logical_id: str, resource_type: str, physical_id: str, status: str, reason: str | None = None
) -> None:
    stack = _state.stack
    if stack is None:
        return
    event = Event(
        stack_id=stack.stack_id,
        stack_name=stack.name,
        logical_resource_id=logical_id,
        physical_resource_id=physical_id,
        resource_type=resource_type,
        resource_status=status,
        resource_status_reason=reason,
        resource_properties=None,
    )
    event.client_request_token = _state.token
    stack.events.append(event)


def record_failures() -> str:
    """Write the FAILED events for the resources that failed; return CloudFormation's summary."""
    failed = failures()
    for f in failed:
        resource_event(f.logical_id, f.resource_type, f.physical_id, f.status, f.reason)
    if not failed:
        return ""
    names = ", ".join(f.logical_id for f in failed)
    verb = failed[0].status.split("_")[0].lower()
    return f"The following resource(s) failed to {verb}: [{names}]."


def _physical_id(resource: Any) -> str:
    return str(getattr(resource, "physical_resource_id", "") or "")


def _tracked(
    verb: str, run: Callable[[], Any], logical_id: str, resource_type: str, old: Any
) -> Any:
    fails = _state.failures
    try:
        result = run()
    except Exception as exc:
        if fails is not None:
            fails[logical_id] = Failure(
                logical_id, resource_type, _physical_id(old), f"{verb}_FAILED", _reason(exc)
            )
        raise
    if fails is not None:
        fails.pop(logical_id, None)
    if result is not None or verb == "DELETE":
        physical = _physical_id(result if result is not None else old)
        resource_event(logical_id, resource_type, physical, f"{verb}_IN_PROGRESS")
        resource_event(logical_id, resource_type, physical, f"{verb}_COMPLETE")
    return result


def _reason(exc: Exception) -> str:
    """In the shape CloudFormation uses for a resource handler's refusal."""
    code = getattr(exc, "error_type", None) or getattr(exc, "code", None)
    message = getattr(exc, "message", None) or getattr(exc, "description", None)
    if not (isinstance(code, str) and message) and len(exc.args) == 2:
        code, message = exc.args  # moto's lambda raises ValueError(code, message)
    if not isinstance(code, str):
        code = type(exc).__name__
    return f'Resource handler returned message: "{message or exc}" (HandlerErrorCode: {code})'


_original_stack_event = Stack._add_stack_event


def _add_stack_event(self: Stack, *args: Any, **kwargs: Any) -> None:
    _original_stack_event(self, *args, **kwargs)
    if _state.stack is self:
        self.events[-1].client_request_token = _state.token


_original_create = parsing.parse_and_create_resource
_original_update = parsing.parse_and_update_resource
_original_delete = parsing.ResourceMap._delete_resource


def _create(logical_id: str, resource_json: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
    return _tracked(
        "CREATE",
        lambda: _original_create(logical_id, resource_json, *args, **kwargs),
        logical_id,
        resource_json.get("Type", ""),
        None,
    )


def _update(
    logical_id: str, resource_json: dict[str, Any], resources_map: Any, *args: Any, **kwargs: Any
) -> Any:
    old = resources_map._parsed_resources.get(logical_id)

    def run() -> Any:
        new = _original_update(logical_id, resource_json, resources_map, *args, **kwargs)
        # moto returns None for types without an update, which would drop the resource from
        # the stack; keep the existing one instead.
        return old if new is None else new

    return _tracked("UPDATE", run, logical_id, resource_json.get("Type", ""), old)


def _delete(self: parsing.ResourceMap, parsed_resource: Any, resource_json: dict[str, Any]) -> None:
    logical_id = getattr(parsed_resource, "logical_resource_id", "")
    _tracked(
        "DELETE",
        lambda: _original_delete(self, parsed_resource, resource_json),
        logical_id,
        resource_json.get("Type", ""),
        parsed_resource,
    )


def install() -> None:
    if parsing.parse_and_create_resource is _create:
        return
    parsing.parse_and_create_resource = _create
    parsing.parse_and_update_resource = _update
    parsing.ResourceMap._delete_resource = _delete  # type: ignore[method-assign]
    Stack._add_stack_event = _add_stack_event  # type: ignore[method-assign]
