"""Error replies in each provider's own envelope, as the adapters meet them in production."""

from __future__ import annotations

import uuid

from .exchange import Reply, json_reply

AWS_ERROR_NAMESPACE = "http://internal.amazon.com/coral/com.amazon.bedrock/"

_GOOGLE_STATUS = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    503: "UNAVAILABLE",
}


def openai_error(status: int, message: str, code: str | None, kind: str, **headers: str) -> Reply:
    body = {"error": {"message": message, "type": kind, "param": None, "code": code}}
    return json_reply(status, body, _dashed(headers))


def bfl_error(status: int, detail: object, **headers: str) -> Reply:
    return json_reply(status, {"detail": detail}, _dashed(headers))


def stability_error(status: int, name: str, message: str, **headers: str) -> Reply:
    body = {"id": uuid.uuid4().hex, "name": name, "errors": [message]}
    return json_reply(status, body, _dashed(headers))


def recraft_error(status: int, code: str, message: str, **headers: str) -> Reply:
    return json_reply(status, {"code": code, "message": message}, _dashed(headers))


def google_error(
    status: int, message: str, details: list[dict] | None = None, **headers: str
) -> Reply:
    error = {"code": status, "message": message, "status": _GOOGLE_STATUS.get(status, "UNKNOWN")}
    if details:
        error["details"] = details
    return json_reply(status, {"error": error}, _dashed(headers))


def google_retry_info(seconds: float) -> dict[str, str]:
    return {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": f"{seconds:g}s"}


def aws_error(status: int, code: str, message: str) -> Reply:
    """What botocore's rest-json parser expects: the code in x-amzn-ErrorType, message in JSON."""
    headers = {
        "x-amzn-ErrorType": f"{code}:{AWS_ERROR_NAMESPACE}",
        "x-amzn-RequestId": str(uuid.uuid4()),
    }
    return json_reply(status, {"message": message}, headers)


def retry_after_value(seconds: float) -> str:
    """Retry-After is whole seconds on the wire; fractions are kept only for fast tests."""
    return str(int(seconds)) if float(seconds).is_integer() else f"{seconds:g}"


def _dashed(headers: dict[str, str]) -> dict[str, str]:
    return {name.replace("_", "-").title(): value for name, value in headers.items()}
