"""The HTTP API emulator: deployed routes, CORS, stage throttling, Lambda proxy integration and
the stage's access log, served on 127.0.0.1."""

from __future__ import annotations

import concurrent.futures
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .apigw_events import (
    HttpRequest,
    HttpResponse,
    InvalidIntegrationResponse,
    build_event,
    json_message,
    map_result,
    new_request_id,
)
from .cloudwatch import LogShipper
from .cors import CorsConfig, is_preflight
from .function_runner import FunctionNotFound, FunctionRegistry, InvokeResult, Throttled
from .logs import LogSink
from .routing import Route, select_route
from .stage import StageSettings, Throttler, format_access_log, request_time


@dataclass(frozen=True)
class ApiDefinition:
    """What the deployed HTTP API looks like (read from the local AWS)."""

    api_id: str
    routes: tuple[Route, ...]
    cors: CorsConfig | None
    account_id: str = "123456789012"
    stage: StageSettings = field(default_factory=StageSettings)


@dataclass
class _Exchange:
    """What one request did, for the access log's `$context` variables."""

    request_id: str
    route_key: str = "-"
    integration_ms: float | None = None
    integration_error: str | None = None
    integration_status: int | None = None


class ApiApp:
    """Request -> route -> function -> response, independent of the socket server."""

    def __init__(
        self,
        api: Callable[[], ApiDefinition],
        registry: FunctionRegistry,
        sink: LogSink,
        *,
        integration_timeout_s: float | None = None,
        throttling: bool = False,
        shipper: LogShipper | None = None,
    ) -> None:
        self._api = api
        self._registry = registry
        self._sink = sink
        self._timeout_override = integration_timeout_s
        self._throttler = Throttler() if throttling else None
        self._shipper = shipper
        self._executor = concurrent.futures.ThreadPoolExecutor(
            max_workers=32, thread_name_prefix="api-invoke"
        )

    def handle(
        self, request: HttpRequest, domain_name: str, port: int | None = None
    ) -> HttpResponse:
        started = time.time()
        api = self._api()
        lowered = {name.lower(): value for name, value in request.headers}
        exchange = _Exchange(new_request_id())
        if api.cors is not None and is_preflight(request.method, lowered):
            # API Gateway answers preflights itself, allowed or not; only the headers differ.
            response = HttpResponse(204, api.cors.preflight(lowered))
        else:
            response = self._route(api, request, domain_name, port, exchange)
            if api.cors is not None:
                # With CORS configured, API Gateway replaces the backend's CORS headers.
                kept = [
                    (k, v)
                    for k, v in response.headers
                    if not k.lower().startswith("access-control-")
                ]
                response = HttpResponse(
                    response.status, kept + api.cors.actual(lowered), response.body
                )
        response = HttpResponse(
            response.status,
            [*response.headers, ("Apigw-Requestid", exchange.request_id)],
            response.body,
        )
        self._access_log(api, request, domain_name, response, exchange, started)
        return response

    def _route(
        self,
        api: ApiDefinition,
        request: HttpRequest,
        domain_name: str,
        port: int | None,
        exchange: _Exchange,
    ) -> HttpResponse:
        match = select_route(api.routes, request.method, request.raw_path)
        if match is None:
            return json_message(404, "Not Found")
        route = match.route
        exchange.route_key = route.route_key
        if self._throttler and not self._throttler.allow(
            route.route_key, api.stage.throttle_for(route.route_key)
        ):
            return json_message(429, "Too Many Requests")
        if not route.function_name:
            return json_message(500, "Internal Server Error")
        event = build_event(
            request,
            route_key=route.route_key,
            path_parameters=match.path_parameters,
            api_id=api.api_id,
            domain_name=domain_name,
            account_id=api.account_id,
            request_id=exchange.request_id,
            stage=api.stage.name,
            port=port,
        )
        timeout_s = self._timeout_override or route.timeout_ms / 1000
        payload = json.dumps(event).encode("utf-8")
        began = time.perf_counter()
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
            exchange.integration_error = "Integration timeout"
            self._sink.info("api", f"{route.route_key}: integration timed out after {timeout_s:g}s")
            return json_message(503, "Service Unavailable")
        except (FunctionNotFound, Throttled) as exc:
            exchange.integration_error = f"{type(exc).__name__}: {exc}"
            self._sink.info("api", f"{route.route_key}: {exchange.integration_error}")
            return json_message(500, "Internal Server Error")
        finally:
            exchange.integration_ms = (time.perf_counter() - began) * 1000
        if not result.ok:
            exchange.integration_error = f"{result.error_type}: {result.error_message}"[:200]
            return json_message(500, "Internal Server Error")
        exchange.integration_status = 200
        try:
            return map_result(result.payload)
        except InvalidIntegrationResponse as exc:
            exchange.integration_error = f"malformed Lambda response: {exc}"
            self._sink.info("api", f"{route.route_key}: {exchange.integration_error}")
            return json_message(500, "Internal Server Error")

    def _access_log(
        self,
        api: ApiDefinition,
        request: HttpRequest,
        domain_name: str,
        response: HttpResponse,
        exchange: _Exchange,
        started: float,
    ) -> None:
        stage = api.stage
        if self._shipper is None or not (stage.access_log_group and stage.access_log_format):
            return
        context: dict[str, Any] = {
            "requestId": exchange.request_id,
            "extendedRequestId": exchange.request_id,
            "apiId": api.api_id,
            "accountId": api.account_id,
            "domainName": domain_name,
            "domainPrefix": domain_name.split(".", 1)[0],
            "stage": stage.name,
            "routeKey": exchange.route_key,
            "httpMethod": request.method,
            "path": request.raw_path,
            "protocol": request.protocol,
            "identity.sourceIp": request.source_ip,
            "identity.userAgent": dict((k.lower(), v) for k, v in request.headers).get(
                "user-agent"
            ),
            "requestTime": request_time(started),
            "requestTimeEpoch": int(started * 1000),
            "status": response.status,
            "responseLength": len(response.body),
            "responseLatency": int((time.time() - started) * 1000),
            "integrationLatency": (
                int(exchange.integration_ms) if exchange.integration_ms is not None else None
            ),
            "integrationStatus": exchange.integration_status,
            "integrationErrorMessage": exchange.integration_error,
            "integration.error": exchange.integration_error,
            "integration.latency": exchange.integration_ms and int(exchange.integration_ms),
            "integration.status": exchange.integration_status,
        }
        line = format_access_log(stage.access_log_format, context)
        self._shipper.put(stage.access_log_group, f"{api.api_id}_{stage.name}", line)

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)
