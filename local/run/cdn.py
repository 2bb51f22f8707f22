"""The CloudFront distribution emulated: the origin bucket's objects over HTTP, read-only.

Behaves as a distribution with an S3 origin behind origin access control: GET and HEAD only,
DefaultRootObject for "/", conditional requests answered with 304, and 403 AccessDenied for a key
that does not exist (S3 hides missing keys from a reader without s3:ListBucket). No caching: every
request reads the local S3, so a new object is visible at once.

Given the distribution's id, it also follows the deployed edge rules (local/run/edge.py): the
bucket policy decides which keys this distribution may read (403 for the rest, as S3 answers
origin access control), and each path's cache behaviour decides compression and which
response-headers policy (CORS, security headers) is applied. The rules are re-read at most once
a second, so a redeploy's changes show up without a restart.
"""

from __future__ import annotations

import gzip
import threading
import time
from collections.abc import Mapping
from datetime import UTC
from email.utils import format_datetime, parsedate_to_datetime
from typing import Any
from urllib.parse import unquote
from xml.sax.saxutils import escape

from botocore.exceptions import ClientError

from . import edge as edge_rules
from .apigw_events import HttpRequest, HttpResponse
from .aws import LocalAwsClients

_PASS_HEADERS = (
    ("ContentType", "Content-Type"),
    ("CacheControl", "Cache-Control"),
    ("ContentEncoding", "Content-Encoding"),
    ("ContentDisposition", "Content-Disposition"),
    ("ContentLanguage", "Content-Language"),
    ("Expires", "Expires"),
    ("ContentRange", "Content-Range"),
)


# The non-text types CloudFront compresses (its documented list, abridged to what a site serves).
_COMPRESSIBLE = {
    "application/javascript",
    "application/x-javascript",
    "application/json",
    "application/manifest+json",
    "application/xml",
    "application/xhtml+xml",
    "image/svg+xml",
    "image/x-icon",
    "image/vnd.microsoft.icon",
    "font/ttf",
    "font/otf",
    "application/vnd.ms-fontobject",
}


def bucket_from_origin(domain_name: str) -> str:
    """`bucket.s3.amazonaws.com` / `bucket.s3.<region>.amazonaws.com` / `bucket.s3-<region>…`."""
    for marker in (".s3.", ".s3-"):
        if marker in domain_name:
            return domain_name.split(marker, 1)[0]
    return domain_name


def _access_denied(request_id: str = "LOCALRUN") -> HttpResponse:
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        "<Error><Code>AccessDenied</Code><Message>Access Denied</Message>"
        f"<RequestId>{escape(request_id)}</RequestId></Error>"
    ).encode()
    return HttpResponse(403, [("Content-Type", "application/xml")], body)


def _method_not_allowed() -> HttpResponse:
    text = (
        "This distribution is not configured to allow the HTTP request method that was used "
        "for this request. The distribution supports only cachable requests."
    )
    return HttpResponse(403, [("Content-Type", "text/plain")], text.encode())


class CdnApp:
    """GET/HEAD of objects of one bucket of the local AWS."""

    def __init__(
        self,
        aws: LocalAwsClients,
        bucket: str,
        default_root_object: str = "",
        compress: bool = False,
        distribution_id: str | None = None,
        ttl_s: float = 1.0,
    ) -> None:
        self._aws = aws
        self.bucket = bucket
        self._root = default_root_object.lstrip("/")
        self._compress = compress
        self._distribution_id = distribution_id
        self._ttl = ttl_s
        self._lock = threading.Lock()
        self._edge: edge_rules.Edge | None = None
        self._edge_loaded = 0.0

    def edge(self) -> edge_rules.Edge | None:
        """The deployed edge rules (None without a distribution), re-read once per `ttl_s`."""
        if self._distribution_id is None:
            return None
        with self._lock:
            if self._edge is None or time.monotonic() - self._edge_loaded >= self._ttl:
                self._edge = edge_rules.load(self._aws, self._distribution_id, self.bucket)
                self._edge_loaded = time.monotonic()
            return self._edge

    def handle(
        self, request: HttpRequest, domain_name: str, port: int | None = None
    ) -> HttpResponse:
        headers = {name.lower(): value for name, value in request.headers}
        key = unquote(request.raw_path.lstrip("/")) or self._root
        rules = self.edge()
        if rules is None:
            return self._serve(request, key, headers, self._compress)
        behaviour = rules.behaviour_for(key)
        if request.method in ("GET", "HEAD") and key and not rules.may_read(key):
            response = _access_denied()  # S3's answer to origin access control
        else:
            response = self._serve(request, key, headers, behaviour.compress)
        if not behaviour.headers_policy:
            return response
        added = edge_rules.add_headers(behaviour.headers_policy, headers, response.headers)
        return HttpResponse(response.status, added, response.body)

    def _serve(
        self, request: HttpRequest, key: str, headers: Mapping[str, str], compress: bool
    ) -> HttpResponse:
        if request.method not in ("GET", "HEAD"):
            return _method_not_allowed()
        if not key:
            return _access_denied()
        s3 = self._aws.client("s3")
        try:
            if request.method == "HEAD":
                obj = s3.head_object(Bucket=self.bucket, Key=key)
                body = b""
            else:
                extra = {"Range": headers["range"]} if "range" in headers else {}
                obj = s3.get_object(Bucket=self.bucket, Key=key, **extra)
                body = obj["Body"].read()
        except ClientError as exc:
            status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)
            code = exc.response.get("Error", {}).get("Code", "")
            if status == 416 or code == "InvalidRange":
                return HttpResponse(416, [("Content-Type", "application/xml")], b"")
            return _access_denied(exc.response.get("ResponseMetadata", {}).get("RequestId", ""))
        out = self._headers(obj)
        if _not_modified(headers, obj):
            keep = {"etag", "last-modified", "cache-control", "expires"}
            return HttpResponse(304, [(k, v) for k, v in out if k.lower() in keep])
        status = 206 if obj.get("ContentRange") else 200
        if request.method == "HEAD":
            out.append(("Content-Length", str(obj.get("ContentLength", 0))))
        elif status == 200 and compress and _should_gzip(headers, obj, body):
            body = gzip.compress(body, mtime=0)
            out.append(("Content-Encoding", "gzip"))
        return HttpResponse(status, out, body)

    @staticmethod
    def _headers(obj: Mapping[str, Any]) -> list[tuple[str, str]]:
        out = [(header, str(obj[field])) for field, header in _PASS_HEADERS if obj.get(field)]
        if not obj.get("ContentType"):
            out.append(("Content-Type", "binary/octet-stream"))  # S3's default
        if obj.get("ETag"):
            out.append(("ETag", obj["ETag"]))
        if obj.get("LastModified"):
            out.append(
                ("Last-Modified", format_datetime(obj["LastModified"].astimezone(UTC), usegmt=True))
            )
        out.append(("Accept-Ranges", "bytes"))
        out.append(("X-Cache", "Miss from cloudfront"))
        out.append(("Via", "1.1 localrun (CloudFront emulator)"))
        return out


def _should_gzip(headers: Mapping[str, str], obj: Mapping[str, Any], body: bytes) -> bool:
    """CloudFront's rule for a behavior with Compress: the viewer accepts gzip, the origin did
    not encode it, 1,000 to 10,000,000 bytes of a compressible type. (CloudFront would pick
    Brotli when the viewer accepts it; the standard library has only gzip.)"""
    accepted = {
        p.split(";", 1)[0].strip().lower() for p in headers.get("accept-encoding", "").split(",")
    }
    ctype = str(obj.get("ContentType") or "").split(";", 1)[0].strip().lower()
    return (
        "gzip" in accepted
        and not obj.get("ContentEncoding")
        and 1_000 <= len(body) <= 10_000_000
        and (ctype.startswith("text/") or ctype in _COMPRESSIBLE)
    )


def _not_modified(headers: Mapping[str, str], obj: Mapping[str, Any]) -> bool:
    etag = obj.get("ETag")
    if "if-none-match" in headers:
        wanted = [t.strip().removeprefix("W/") for t in headers["if-none-match"].split(",")]
        return bool(etag) and ("*" in wanted or etag in wanted)
    since = headers.get("if-modified-since")
    if since and obj.get("LastModified"):
        try:
            return obj["LastModified"].replace(microsecond=0) <= parsedate_to_datetime(since)
        except (TypeError, ValueError):
            return False
    return False
