"""A small router in Powertools' shape: decorators build a route table that reads like the API.

Errors are exceptions (pixelprompt.errors) turned into {"error", "code"} in exactly one place,
`Router.resolve`, which also guarantees that no input produces a traceback in a response.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from pixelprompt import log
from pixelprompt.apigw import Request, correlation_id_from, parse_request, response
from pixelprompt.contract import CORS
from pixelprompt.errors import ApiError, MethodNotAllowed, NotFound

Handler = Callable[[Request], "Result"]
_log = log.get_logger("api")


@dataclass
class Result:
    """What a route returns: a status, a JSON-able body, extra headers."""

    body: Any = None
    status: int = 200
    headers: dict[str, str] | None = None
    content_type: str | None = None  # set for a body that is already text (e.g. CSV)


@dataclass(frozen=True)
class Route:
    method: str
    pattern: re.Pattern[str]
    template: str
    handler: Handler


def _compile(template: str) -> re.Pattern[str]:
    # "/status/{jobId}" -> ^/status/(?P<jobId>[^/]+)$
    regex = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", template)
    return re.compile(f"^{regex}/?$")


class Router:
    def __init__(self) -> None:
        self.routes: list[Route] = []

    def route(self, method: str, template: str) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            self.routes.append(Route(method, _compile(template), template, handler))
            return handler

        return register

    def get(self, template: str) -> Callable[[Handler], Handler]:
        return self.route("GET", template)

    def post(self, template: str) -> Callable[[Handler], Handler]:
        return self.route("POST", template)

    def match(self, method: str, path: str) -> tuple[Route, dict[str, str]]:
        allowed: list[str] = []
        for route in self.routes:
            found = route.pattern.match(path)
            if not found:
                continue
            if route.method == method:
                return route, found.groupdict()
            allowed.append(route.method)
        if allowed:
            raise MethodNotAllowed(
                f"{method} is not allowed on {path}; use {' or '.join(sorted(set(allowed)))}.",
                headers={"Allow": ", ".join(sorted(set(allowed)))},
            )
        raise NotFound(f"There is no {path} endpoint.", code="NOT_FOUND")

    def resolve(self, event: dict[str, Any]) -> dict[str, Any]:
        """Route one API Gateway event to its handler and render the answer or the error."""
        given = event.get("headers")
        raw_headers: dict[Any, Any] = given if isinstance(given, dict) else {}
        cid = correlation_id_from({str(k).lower(): str(v) for k, v in raw_headers.items()})
        log.set_correlation_id(cid)
        started = time.monotonic()
        method = path = source_ip = "?"
        try:
            request = parse_request(event, cid)
            method, path, source_ip = request.method, request.path, request.source_ip
            if method == "OPTIONS":  # preflight normally never reaches us; answer it anyway
                result = Result(status=204, headers=_preflight_headers())
            else:
                route, params = self.match(method, path)
                request.path_params = params
                result = route.handler(request)
            out = response(
                result.status, result.body, cid, result.headers, content_type=result.content_type
            )
        except ApiError as exc:
            out = response(exc.status, {"error": exc.message, "code": exc.code}, cid, exc.headers)
        except (ClientError, BotoCoreError):
            _log.exception("AWS call failed")
            body = {
                "error": "A storage service did not answer as expected; please try again.",
                "code": "SERVICE_UNAVAILABLE",
            }
            out = response(503, body, cid)
        except Exception:
            _log.exception("unexpected error")
            body = {"error": "Something went wrong on our side.", "code": "INTERNAL_ERROR"}
            out = response(500, body, cid)
        log.event(
            _log,
            logging.INFO,
            "request",
            method=method,
            path=path[:200],
            sourceIp=source_ip,
            status=out["statusCode"],
            ms=round((time.monotonic() - started) * 1000, 1),
        )
        return out


def _preflight_headers() -> dict[str, str]:
    return CORS.preflight_headers()
