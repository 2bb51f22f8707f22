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
from typing import Any, Protocol

from botocore.exceptions import BotoCoreError, ClientError

from pixelprompt import log
from pixelprompt.apigw import Request, correlation_id_from, parse_request, response
from pixelprompt.contract import CORS, route_for
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
    # A paid route makes a provider bill the owner: the router rate-limits it (counters of its
    # own, named by `scope`) before the handler runs, so a new paid route cannot forget to.
    paid: bool = False
    scope: str = ""
    what: str = "requests"  # how the limit's sentence names what is counted
    # A paid route whose slot must be tied to what it creates (the job record, for orphan
    # settlement) takes its own slots; the contract test checks that it does.
    admits_itself: bool = False


class Gate(Protocol):
    """What the router asks before running a route: access (every route), limits (paid ones)."""

    def authorize(self, request: Request) -> None: ...

    def admit(self, request: Request, route: Route) -> Any: ...

    def release(self, admission: Any) -> None: ...


def _compile(template: str) -> re.Pattern[str]:
    # "/status/{jobId}" -> ^/status/(?P<jobId>[^/]+)$
    regex = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", template)
    return re.compile(f"^{regex}/?$")


class Router:
    def __init__(self, gate: Gate | None = None) -> None:
        self.routes: list[Route] = []
        self.gate = gate

    def route(
        self,
        method: str,
        template: str,
        *,
        paid: bool | None = None,
        what: str = "requests",
        admits_itself: bool = False,
    ) -> Callable[[Handler], Handler]:
        """Register a handler. `paid` defaults to the contract's rate_limited flag for the
        route, so a paid route declared in pixelprompt.contract is limited automatically."""

        def register(handler: Handler) -> Handler:
            declared = route_for(method, template)
            is_paid = paid if paid is not None else bool(declared and declared.rate_limited)
            scope = handler.__name__
            self.routes.append(
                Route(
                    method,
                    _compile(template),
                    template,
                    handler,
                    is_paid,
                    scope,
                    what,
                    admits_itself,
                )
            )
            return handler

        return register

    def get(self, template: str, **options: Any) -> Callable[[Handler], Handler]:
        return self.route("GET", template, **options)

    def post(self, template: str, **options: Any) -> Callable[[Handler], Handler]:
        return self.route("POST", template, **options)

    def paid_routes(self) -> list[Route]:
        return [r for r in self.routes if r.paid]

    def _run(self, route: Route, request: Request) -> Result:
        if not route.paid or route.admits_itself or self.gate is None:
            return route.handler(request)
        request.admission = self.gate.admit(request, route)
        try:
            return route.handler(request)
        except BaseException:
            if not request.paid_work_started:  # nothing was bought: the slot goes back
                self.gate.release(request.admission)
            raise

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
                if self.gate is not None:  # before routing: a private API reveals nothing
                    self.gate.authorize(request)
                route, params = self.match(method, path)
                request.path_params = params
                result = self._run(route, request)
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
