"""API Gateway HTTP API payload format 2.0: request -> event, function result -> HTTP response.

Pure functions, no I/O, so that the mapping can be unit-tested against the documented format.
"""

from __future__ import annotations

import base64
import json
import time
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl

# Content types API Gateway passes through as text; anything else arrives base64-encoded.
_TEXT_TYPES = (
    "text/",
    "application/json",
    "application/javascript",
    "application/xml",
    "application/x-www-form-urlencoded",
    "application/graphql",
)


@dataclass(frozen=True)
class HttpRequest:
    """What the HTTP server saw, independent of the server library."""

    method: str
    raw_path: str
    raw_query: str
    headers: list[tuple[str, str]]
    body: bytes
    source_ip: str
    protocol: str = "HTTP/1.1"


@dataclass(frozen=True)
class HttpResponse:
    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""


class InvalidIntegrationResponse(ValueError):
    """The function returned something API Gateway would answer with a 500."""


def is_text_content(content_type: str | None) -> bool:
    if not content_type:
        return True  # no body type: API Gateway does not encode
    ctype = content_type.split(";", 1)[0].strip().lower()
    return ctype.startswith(_TEXT_TYPES) or ctype.endswith(("+json", "+xml"))


def _join_headers(headers: Iterable[tuple[str, str]]) -> tuple[dict[str, str], list[str]]:
    """Lower-case names, comma-join repeats; cookies go to their own list as API Gateway does."""
    joined: dict[str, str] = {}
    cookies: list[str] = []
    for name, value in headers:
        key = name.lower()
        if key == "cookie":
            cookies.extend(c.strip() for c in value.split(";") if c.strip())
            continue
        joined[key] = f"{joined[key]},{value}" if key in joined else value
    return joined, cookies


def _query_parameters(raw_query: str) -> dict[str, str]:
    params: dict[str, str] = {}
    for key, value in parse_qsl(raw_query, keep_blank_values=True):
        params[key] = f"{params[key]},{value}" if key in params else value
    return params


def build_event(
    request: HttpRequest,
    *,
    route_key: str,
    path_parameters: Mapping[str, str] | None,
    api_id: str,
    domain_name: str,
    stage: str = "$default",
    account_id: str = "123456789012",
    request_id: str | None = None,
    now: float | None = None,
    scheme: str = "http",
    port: int | None = None,
) -> dict[str, Any]:
    """The event a Lambda proxy integration (payload 2.0) receives for this request."""
    now = time.time() if now is None else now
    headers, cookies = _join_headers(request.headers)
    # Headers API Gateway adds on its way to the integration.
    forwarded = headers.get("x-forwarded-for")
    headers["x-forwarded-for"] = (
        f"{forwarded}, {request.source_ip}" if forwarded else request.source_ip
    )
    headers["x-forwarded-proto"] = scheme
    if port is not None:
        headers["x-forwarded-port"] = str(port)
    headers.setdefault("x-amzn-trace-id", _trace_id(now))
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": route_key,
        "rawPath": request.raw_path,
        "rawQueryString": request.raw_query,
        "headers": headers,
    }
    if cookies:
        event["cookies"] = cookies
    if request.raw_query:
        event["queryStringParameters"] = _query_parameters(request.raw_query)
    event["requestContext"] = {
        "accountId": account_id,
        "apiId": api_id,
        "domainName": domain_name,
        "domainPrefix": domain_name.split(".", 1)[0],
        "http": {
            "method": request.method,
            "path": request.raw_path,
            "protocol": request.protocol,
            "sourceIp": request.source_ip,
            "userAgent": headers.get("user-agent", ""),
        },
        "requestId": request_id or new_request_id(),
        "routeKey": route_key,
        "stage": stage,
        "time": datetime.fromtimestamp(now, UTC).strftime("%d/%b/%Y:%H:%M:%S +0000"),
        "timeEpoch": int(now * 1000),
    }
    if path_parameters:
        event["pathParameters"] = dict(path_parameters)
    if request.body:
        if is_text_content(headers.get("content-type")):
            try:
                event["body"] = request.body.decode("utf-8")
                event["isBase64Encoded"] = False
            except UnicodeDecodeError:
                event["body"] = base64.b64encode(request.body).decode("ascii")
                event["isBase64Encoded"] = True
        else:
            event["body"] = base64.b64encode(request.body).decode("ascii")
            event["isBase64Encoded"] = True
    else:
        event["isBase64Encoded"] = False
    return event


def _trace_id(now: float) -> str:
    return f"Root=1-{int(now):08x}-{uuid.uuid4().hex[:24]}"


def new_request_id() -> str:
    # API Gateway's ids look like "JKJaXmPLvHcESHA="; any unique token does locally.
    return base64.b64encode(uuid.uuid4().bytes[:10]).decode("ascii")


def map_result(payload: bytes) -> HttpResponse:
    """Turn a function's response payload into the HTTP response, as payload format 2.0 does.

    A JSON object with a statusCode is a full response; any other valid JSON value is the body
    of a 200 application/json response. Anything malformed is API Gateway's 500.
    """
    try:
        result = json.loads(payload) if payload.strip() else None
    except ValueError as exc:
        raise InvalidIntegrationResponse(f"response is not JSON: {exc}") from exc
    if not (isinstance(result, dict) and "statusCode" in result):
        body = result if isinstance(result, str) else json.dumps(result)
        return HttpResponse(200, [("Content-Type", "application/json")], body.encode("utf-8"))

    status = result["statusCode"]
    if isinstance(status, str) and status.isdigit():
        status = int(status)
    if not isinstance(status, int) or isinstance(status, bool) or not 100 <= status <= 599:
        raise InvalidIntegrationResponse(f"invalid statusCode {status!r}")

    headers: list[tuple[str, str]] = []
    raw_headers = result.get("headers")
    raw_headers = {} if raw_headers is None else raw_headers
    if not isinstance(raw_headers, dict):
        raise InvalidIntegrationResponse("headers must be an object")
    for name, value in raw_headers.items():
        headers.append((str(name), _header_value(value)))
    # Payload 2.0 has `cookies` for Set-Cookie; `multiValueHeaders` belongs to format 1.0 and
    # API Gateway ignores it here, so the emulator does too (code relying on it breaks on AWS).
    for cookie in result.get("cookies") or []:
        headers.append(("Set-Cookie", str(cookie)))

    raw_body = result.get("body")
    if raw_body is None:
        body = b""
    elif result.get("isBase64Encoded"):
        try:
            body = base64.b64decode(str(raw_body), validate=True)
        except ValueError as exc:
            raise InvalidIntegrationResponse("body is not valid base64") from exc
    else:
        body = (raw_body if isinstance(raw_body, str) else json.dumps(raw_body)).encode("utf-8")

    if not any(name.lower() == "content-type" for name, _ in headers) and body:
        headers.append(("Content-Type", "application/json"))
    return HttpResponse(status, headers, body)


def _header_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def json_message(status: int, message: str) -> HttpResponse:
    """API Gateway's own error responses: {"message": "..."}."""
    body = json.dumps({"message": message}).encode("utf-8")
    return HttpResponse(status, [("Content-Type", "application/json")], body)
