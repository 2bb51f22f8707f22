"""HTTP API route selection: the most specific deployed route wins, as API Gateway chooses."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import unquote


@dataclass(frozen=True)
class Route:
    route_key: str  # "POST /generate", "GET /status/{jobId}", "ANY /{proxy+}", "$default"
    function_name: str | None  # the Lambda behind the route's integration, if any
    payload_format: str = "2.0"
    timeout_ms: int = 30000

    @property
    def method(self) -> str:
        return "ANY" if self.route_key == "$default" else self.route_key.split(" ", 1)[0].upper()

    @property
    def template(self) -> str:
        return "" if self.route_key == "$default" else self.route_key.split(" ", 1)[1]


@dataclass(frozen=True)
class Match:
    route: Route
    path_parameters: dict[str, str]


def _segments(path: str) -> list[str]:
    # A trailing slash is a segment of its own: "/generate/" is not "/generate".
    rest = path.lstrip("/")
    return rest.split("/") if rest else []


def _match_template(template: str, path: str) -> dict[str, str] | None:
    pattern, actual = _segments(template), _segments(path)
    params: dict[str, str] = {}
    for i, part in enumerate(pattern):
        if part.startswith("{") and part.endswith("+}"):  # greedy: the rest, at least one segment
            if i >= len(actual):
                return None
            params[part[1:-2]] = unquote("/".join(actual[i:]))
            return params
        if i >= len(actual):
            return None
        if part.startswith("{") and part.endswith("}"):
            if not actual[i]:
                return None
            params[part[1:-1]] = unquote(actual[i])
        elif part != actual[i]:
            return None
    return params if len(actual) == len(pattern) else None


def _specificity(route: Route) -> tuple[int, int, int, int]:
    """Bigger is more specific: not $default, not greedy, more literals, exact method."""
    parts = _segments(route.template)
    greedy = any(p.endswith("+}") for p in parts)
    literals = sum(1 for p in parts if not p.startswith("{"))
    return (
        route.route_key != "$default",
        not greedy,
        literals * 1000 + len(parts),
        route.method != "ANY",
    )


def select_route(routes: Iterable[Route], method: str, path: str) -> Match | None:
    best: tuple[tuple[int, int, int, int], Match] | None = None
    for route in routes:
        if route.method not in ("ANY", method.upper()):
            continue
        if route.route_key == "$default":
            params: dict[str, str] | None = {}
        else:
            params = _match_template(route.template, path)
        if params is None:
            continue
        score = _specificity(route)
        if best is None or score > best[0]:
            best = (score, Match(route, params))
    return best[1] if best else None
