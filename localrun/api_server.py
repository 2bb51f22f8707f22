"""The HTTP API emulator: deployed routes, CORS and Lambda proxy integration on 127.0.0.1."""

from __future__ import annotations

import concurrent.futures
import json
import time
from collections.abc import Callable
from dataclasses import dataclass

from .apigw_events import (
    HttpRequest,
    HttpResponse,
    InvalidIntegrationResponse,
    build_event,
    json_message,
    map_result,
)
from .cors import CorsConfig, is_preflight
from .function_runner import FunctionNotFound, FunctionRegistry, InvokeResult, Throttled
from .logs import LogSink
from .routing import Route, select_route


@dataclass(frozen=True)
class ApiDefinition:
    """What the deployed HTTP API looks like (read from the local AWS)."""

    api_id: str
    routes: tuple[Route, ...]
    cors: CorsConfig | None
    account_id: str = "123456789012"


class ApiApp:
    """Request -> route -> function -> response, independent of the socket server."""

    def __init__(
        self,
        api: Callable[[], ApiDefinition],
        registry: FunctionRegistry,
        sink: LogSink,
        *,
        integration_timeout_s: float | None = None,
    ) -> None:
        self._api = api
        self._registry = registry
        self._sink = sink
        self._timeout_override = integration_timeout_s
        self._executor = concurrent.futures.ThreadPoolExecutor(
            max_workers=32, thread_name_prefix="api-invoke"
        )

    def handle(
        self, request: HttpRequest, domain_name: str, port: int | None = None
    ) -> HttpResponse:
        api = self._api()
        lowered = {name.lower(): value for name, value in request.headers}
        if api.cors is not None and is_preflight(request.method, lowered):
            # API Gateway answers preflights itself, allowed or not; only the headers differ.
            return HttpResponse(204, api.cors.preflight(lowered))
        response = self._route(api, request, domain_name, port)
        if api.cors is not None:
            # With CORS configured, API Gateway replaces the backend's CORS headers with its own.
            kept = [
                (k, v) for k, v in response.headers if not k.lower().startswith("access-control-")
            ]
            response = HttpResponse(response.status, kept + api.cors.actual(lowered), response.body)
        return response

    def _route(
        self, api: ApiDefinition, request: HttpRequest, domain_name: str, port: int | None
    ) -> HttpResponse:
        match = select_route(api.routes, request.method, request.raw_path)
        if match is None:
            return json_message(404, "Not Found")
        route = match.route
        if not route.function_name:
            return json_message(500, "Internal Server Error")
        event = build_event(
            request,
            route_key=route.route_key,
            path_parameters=match.path_parameters,
            api_id=api.api_id,
            domain_name=domain_name,
            account_id=api.account_id,
            port=port,
        )
        request_id = event["requestContext"]["requestId"]
        timeout_s = self._timeout_override or route.timeout_ms / 1000
        payload = json.dumps(event).encode("utf-8")
        try:
            runner = self._registry.get(route.function_name)
            deadline = time.monotonic() + timeout_s

            def invoke() -> InvokeResult:
                # Waiting for a free environment counts against the integration timeout.
                return runner.invoke(payload, wait_s=max(0.001, deadline - time.monotonic()))

            future = self._executor.submit(invoke)
            result = future.result(timeout=timeout_s)
        except concurrent.futures.TimeoutError:
            # Not started yet: never start it, the client has its answer. Started: the function
            # keeps running to its own timeout, as in Lambda; the client gets 503 either way.
            future.cancel()
            self._sink.info("api", f"{route.route_key}: integration timed out after {timeout_s:g}s")
            return self._with_id(json_message(503, "Service Unavailable"), request_id)
        except (FunctionNotFound, Throttled) as exc:
            self._sink.info("api", f"{route.route_key}: {type(exc).__name__}: {exc}")
            return self._with_id(json_message(500, "Internal Server Error"), request_id)
        if not result.ok:
            return self._with_id(json_message(500, "Internal Server Error"), request_id)
        try:
            response = map_result(result.payload)
        except InvalidIntegrationResponse as exc:
            self._sink.info("api", f"{route.route_key}: malformed Lambda response: {exc}")
            response = json_message(500, "Internal Server Error")
        return self._with_id(response, request_id)

    @staticmethod
    def _with_id(response: HttpResponse, request_id: str) -> HttpResponse:
        return HttpResponse(
            response.status, [*response.headers, ("Apigw-Requestid", request_id)], response.body
        )

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)
