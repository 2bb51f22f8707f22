"""The simulator's own HTTP controls under /_control/, used by the local run and browser tests."""

from __future__ import annotations

from .exchange import BadRequest, Exchange, Reply, json_reply
from .faults import HANG_BOUND
from .state import State


def handle(state: State, exchange: Exchange) -> Reply:
    route = (exchange.method, exchange.path.rstrip("/"))
    try:
        if route == ("POST", "/_control/faults"):
            return set_fault(state, exchange)
        if route == ("DELETE", "/_control/faults"):
            state.faults.clear()
            return json_reply(200, {"faults": {}})
        if route == ("GET", "/_control/faults"):
            return json_reply(200, {"faults": state.faults.snapshot()})
        if route == ("GET", "/_control/requests"):
            return json_reply(200, {"requests": requests_list(state)})
        if route == ("DELETE", "/_control/requests"):
            state.clear_requests()
            return json_reply(200, {"requests": []})
        if route == ("POST", "/_control/latency"):
            return set_latency(state, exchange)
        if route == ("GET", "/_control/latency"):
            return json_reply(200, {"seconds": state.latency})
        if route == ("GET", "/_control/health"):
            return json_reply(200, {"ok": True})
    except (BadRequest, ValueError, TypeError) as exc:
        return json_reply(400, {"error": str(exc)})
    return json_reply(404, {"error": f"no control {exchange.method} {exchange.path}"})


def set_fault(state: State, exchange: Exchange) -> Reply:
    body = exchange.json()
    unknown = set(body) - {"provider", "mode", "count", "retry_after", "latency"}
    if unknown:
        raise ValueError(f"unknown fields: {', '.join(sorted(unknown))}")
    if "provider" not in body or "mode" not in body:
        raise ValueError("provider and mode are required")
    fault = state.faults.set(
        str(body["provider"]),
        str(body["mode"]),
        count=body.get("count"),
        retry_after=body.get("retry_after"),
        latency=body.get("latency"),
    )
    return json_reply(200, {"provider": body["provider"], **fault.to_dict()})


def set_latency(state: State, exchange: Exchange) -> Reply:
    seconds = exchange.json().get("seconds")
    if isinstance(seconds, bool) or not isinstance(seconds, int | float):
        raise ValueError("seconds must be a number")
    if not 0 <= seconds <= HANG_BOUND:
        raise ValueError(f"seconds must be between 0 and {HANG_BOUND:g}")
    state.latency = float(seconds)
    return json_reply(200, {"seconds": state.latency})


def requests_list(state: State) -> list[dict[str, str]]:
    return [
        {"provider": provider, "path": path, "method": method}
        for provider, path, method in state.requests()
    ]
