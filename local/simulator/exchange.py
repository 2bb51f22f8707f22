"""One HTTP exchange as the protocol modules see it: a parsed request in, a Reply out."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from email.policy import HTTP
from typing import Any


class BadRequest(Exception):
    """The request is not what the provider accepts; the protocol module words the reply."""


@dataclass
class Exchange:
    method: str
    path: str  # percent-decoded, without the query
    query: dict[str, list[str]]
    headers: Message  # case-insensitive lookups
    body: bytes

    def header(self, name: str) -> str:
        return str(self.headers.get(name) or "")

    def json(self) -> dict[str, Any]:
        try:
            value = json.loads(self.body or b"null")
        except ValueError:
            raise BadRequest("the body is not valid JSON") from None
        if not isinstance(value, dict):
            raise BadRequest("the body must be a JSON object")
        return value

    def form(self) -> dict[str, str]:
        """multipart/form-data fields, as Stability's API reads them."""
        content_type = self.header("Content-Type")
        if not content_type.lower().startswith("multipart/form-data"):
            raise BadRequest("Content-Type must be multipart/form-data")
        message = message_from_bytes(
            f"Content-Type: {content_type}\r\n\r\n".encode() + self.body, policy=HTTP
        )
        if not message.is_multipart():
            raise BadRequest("the multipart body could not be parsed")
        fields: dict[str, str] = {}
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            if name:
                payload = part.get_payload(decode=True) or b""
                fields[str(name)] = payload.decode("utf-8", "replace")
        return fields


@dataclass
class Reply:
    status: int
    body: bytes = b""
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)
    drop: bool = False  # close the connection without answering (the end of a hang)


def json_reply(status: int, value: Any, headers: dict[str, str] | None = None) -> Reply:
    return Reply(status, json.dumps(value).encode(), "application/json", dict(headers or {}))


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


NOT_AN_IMAGE = b"<html><body>this is not an image</body></html>"
TRUNCATED_JSON = b'{"created": 1761200000, "data": [{"b64_json": "iVBORw0KG'
