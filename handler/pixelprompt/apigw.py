"""API Gateway events in, API Gateway responses out: HTTP API payload 2.0, REST payload 1.0."""

from __future__ import annotations

import base64
import binascii
import json
import re
import uuid
from dataclasses import dataclass, field
from typing import Any

from pixelprompt.contract import CORS
from pixelprompt.errors import BadRequest, PayloadTooLarge

MAX_BODY_BYTES = 64 * 1024
_CORRELATION_ID = re.compile(r"^[A-Za-z0-9._:\-]{1,128}$")
BASE_HEADERS = {
    "Content-Type": "application/json",
    "Cache-Control": "no-store",
    # API Gateway answers preflight; this lets browsers read the answers themselves.
    **CORS.response_headers(),
}


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]  # lower-cased names
    query: dict[str, str]
    raw_body: bytes
    source_ip: str
    correlation_id: str
    path_params: dict[str, str] = field(default_factory=dict)

    def json(self) -> Any:
        """The body parsed as JSON; a sentence-bearing 400 when it is not."""
        if not self.raw_body.strip():
            raise BadRequest("The request body is empty; send a JSON object.", code="INVALID_JSON")
        try:
            return json.loads(self.raw_body.decode("utf-8"))
        except UnicodeDecodeError as exc:
            raise BadRequest("The request body is not UTF-8 text.", code="INVALID_JSON") from exc
        except (ValueError, RecursionError) as exc:  # ValueError: also too-long ints
            raise BadRequest("The request body is not valid JSON.", code="INVALID_JSON") from exc

    def json_object(self) -> dict[str, Any]:
        body = self.json()
        if not isinstance(body, dict):
            raise BadRequest("The request body must be a JSON object.", code="INVALID_BODY")
        return body


def is_http_event(event: Any) -> bool:
    return isinstance(event, dict) and ("requestContext" in event or "httpMethod" in event)


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _headers(event: dict[str, Any]) -> dict[str, str]:
    return {str(k).lower(): str(v) for k, v in _dict(event.get("headers")).items() if v is not None}


def _body(event: dict[str, Any]) -> bytes:
    body = event.get("body")
    if body is None:
        return b""
    if not isinstance(body, str):
        raise BadRequest("The request body could not be read.", code="INVALID_BODY")
    if len(body) > MAX_BODY_BYTES * 4 // 3 + 4:  # cheap early check before decoding
        raise PayloadTooLarge(f"The request body is larger than {MAX_BODY_BYTES // 1024} KB.")
    if event.get("isBase64Encoded"):
        try:
            raw = base64.b64decode(body, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise BadRequest("The request body is not valid base64.", code="INVALID_BODY") from exc
    else:
        raw = body.encode("utf-8", errors="surrogatepass")
    if len(raw) > MAX_BODY_BYTES:
        raise PayloadTooLarge(f"The request body is larger than {MAX_BODY_BYTES // 1024} KB.")
    return raw


def _method_path_ip(event: dict[str, Any]) -> tuple[str, str, str]:
    context = _dict(event.get("requestContext"))
    http = _dict(context.get("http"))
    if http:  # payload 2.0
        method, path = http.get("method", ""), event.get("rawPath") or http.get("path") or "/"
        source_ip = http.get("sourceIp", "")
        stage = context.get("stage", "$default")
        if stage and stage != "$default" and str(path).startswith(f"/{stage}/"):
            path = str(path)[len(stage) + 1 :]  # named stages prefix rawPath
    else:  # payload 1.0
        method, path = event.get("httpMethod", ""), event.get("path") or "/"
        source_ip = _dict(context.get("identity")).get("sourceIp", "")
    return str(method).upper(), str(path), str(source_ip or "")


def correlation_id_from(headers: dict[str, str]) -> str:
    """The caller's X-Correlation-ID when it is a sane token (it goes into logs), else a new one."""
    given = headers.get("x-correlation-id", "").strip()
    return given if _CORRELATION_ID.match(given) else str(uuid.uuid4())


def parse_request(event: dict[str, Any], correlation_id: str) -> Request:
    method, path, source_ip = _method_path_ip(event)
    query = {str(k): str(v) for k, v in _dict(event.get("queryStringParameters")).items()}
    return Request(
        method=method,
        path=path,
        headers=_headers(event),
        query=query,
        raw_body=_body(event),
        source_ip=source_ip,
        correlation_id=correlation_id,
    )


def response(
    status: int,
    body: Any | None,
    correlation_id: str,
    headers: dict[str, str] | None = None,
    *,
    content_type: str | None = None,
) -> dict[str, Any]:
    out_headers = {**BASE_HEADERS, "X-Correlation-ID": correlation_id, **(headers or {})}
    if content_type is not None:  # a text body written by the route (CSV export)
        out_headers["Content-Type"] = content_type
        return {"statusCode": status, "headers": out_headers, "body": str(body or ""),
                "isBase64Encoded": False}  # fmt: skip
    # json.dumps escapes non-ASCII (its default), so even a lone surrogate echoed from the
    # request (e.g. in a path) cannot make the answer unencodable. Same in logs and S3 records.
    return {
        "statusCode": status,
        "headers": out_headers,
        "body": "" if body is None else json.dumps(body),
        "isBase64Encoded": False,
    }
