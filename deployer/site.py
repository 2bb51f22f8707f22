"""Publish the web page: frontend/ plus a generated config.json into the stack's bucket.

CloudFront serves the bucket root (`DefaultRootObject` index.html). `index.html` and
`config.json` are sent with `no-cache` so that a redeploy shows at once; the assets keep stable
names (no build step to fingerprint them), so they are cached only briefly.

Redeploys are quick: each object's MD5 is compared with what the bucket holds (head_object)
and unchanged objects are skipped. The MD5 is also stored as `x-amz-meta-md5`, because the
ETag is not an MD5 under SSE-KMS or for multipart uploads.
"""

from __future__ import annotations

import base64
import hashlib
import json
import mimetypes
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError

from .errors import DeployError

NO_CACHE = "no-cache"
ASSET_CACHE = "public, max-age=300"
CONFIG_KEY = "config.json"
ASSETS_PREFIX = "assets/"
MD5_META = "md5"

CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json; charset=utf-8",
    ".map": "application/json; charset=utf-8",
    ".webmanifest": "application/manifest+json",
    ".txt": "text/plain; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".webp": "image/webp",
    ".gif": "image/gif",
    ".ico": "image/x-icon",
    ".woff2": "font/woff2",
}


@dataclass(frozen=True)
class SiteFile:
    key: str
    body: bytes
    content_type: str
    cache_control: str

    @property
    def md5(self) -> str:
        return hashlib.md5(self.body, usedforsecurity=False).hexdigest()


def content_type_of(name: str) -> str:
    suffix = Path(name).suffix.lower()
    if suffix in CONTENT_TYPES:
        return CONTENT_TYPES[suffix]
    return mimetypes.guess_type(name)[0] or "application/octet-stream"


def cache_control_of(key: str) -> str:
    # Pages and the config must never be stale after a deploy; everything else may be briefly.
    return NO_CACHE if key == CONFIG_KEY or key.endswith(".html") else ASSET_CACHE


def config_json(api_endpoint: str, models: Sequence[str] | None = None) -> bytes:
    """The page's settings: where the API is (and, optionally, the model names to show)."""
    config: dict[str, Any] = {"apiEndpoint": api_endpoint.rstrip("/")}
    if models:
        config["models"] = list(models)
    return (json.dumps(config, indent=2) + "\n").encode()


def site_files(
    frontend_dir: Path, api_endpoint: str, models: Sequence[str] | None = None
) -> list[SiteFile]:
    """Everything to upload, in upload order: assets first, then config.json, index.html last,
    so that a visitor who gets the new index.html also finds what it refers to."""
    if not (frontend_dir / "index.html").is_file():
        raise DeployError(
            f"The web page is missing: {frontend_dir / 'index.html'} does not exist.",
            fix="Run deploy.py from a full checkout of the project.",
        )
    if not api_endpoint:
        raise DeployError("No API endpoint to write into the web page's config.json.")
    files = []
    for path in sorted(frontend_dir.rglob("*")):
        rel = path.relative_to(frontend_dir)
        # Editor droppings and dotfiles are not part of the page; config.json is generated.
        if not path.is_file() or any(part.startswith(".") for part in rel.parts):
            continue
        key = rel.as_posix()
        if key == CONFIG_KEY:
            continue
        files.append(SiteFile(key, path.read_bytes(), content_type_of(key), cache_control_of(key)))
    files.append(
        SiteFile(
            CONFIG_KEY,
            config_json(api_endpoint, models),
            content_type_of(CONFIG_KEY),
            NO_CACHE,
        )
    )
    order = {"config.json": 1, "index.html": 2}
    return sorted(files, key=lambda f: (order.get(f.key, 0), f.key))


def _is_current(s3_client: Any, bucket: str, f: SiteFile) -> bool:
    try:
        head = s3_client.head_object(Bucket=bucket, Key=f.key)
    except ClientError as err:
        if err.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
            return False
        raise
    stored = head.get("Metadata", {}).get(MD5_META) or head.get("ETag", "").strip('"')
    return (
        stored == f.md5
        and head.get("ContentType") == f.content_type
        and head.get("CacheControl") == f.cache_control
    )


def _stale_assets(s3_client: Any, bucket: str, keep: set[str]) -> list[str]:
    stale = []
    for page in s3_client.get_paginator("list_objects_v2").paginate(
        Bucket=bucket, Prefix=ASSETS_PREFIX
    ):
        stale += [o["Key"] for o in page.get("Contents", []) if o["Key"] not in keep]
    return sorted(stale)


def upload_site(
    s3_client: Any,
    bucket: str,
    api_endpoint: str,
    frontend_dir: Path,
    ui: Any = None,
    *,
    models: Sequence[str] | None = None,
    prune: bool = True,
) -> list[str]:
    """Upload the page and its config.json; return the keys actually written, in order.

    Unchanged objects are skipped; with `prune`, files under `assets/` that the page no
    longer has are deleted (that prefix holds nothing but the page). `ui`, when given,
    gets one `step` line.
    """
    files = site_files(Path(frontend_dir), api_endpoint, models)
    written: list[str] = []
    try:
        for f in files:
            if _is_current(s3_client, bucket, f):
                continue
            s3_client.put_object(
                Bucket=bucket,
                Key=f.key,
                Body=f.body,
                ContentType=f.content_type,
                CacheControl=f.cache_control,
                ContentMD5=base64.b64encode(bytes.fromhex(f.md5)).decode(),
                Metadata={MD5_META: f.md5},
            )
            written.append(f.key)
        removed = _stale_assets(s3_client, bucket, {f.key for f in files}) if prune else []
        for key in removed:
            s3_client.delete_object(Bucket=bucket, Key=key)
    except ClientError as err:
        error = err.response.get("Error", {})
        raise DeployError(
            f"Could not upload the web page to s3://{bucket}: "
            f"{error.get('Code', 'error')}: {error.get('Message', err)}",
            fix="Check that the stack's bucket exists and that your credentials may write to it.",
        ) from err
    if ui is not None:
        ui.step(
            f"Web page: {len(written)} of {len(files)} files uploaded to s3://{bucket}"
            + (f", {len(removed)} stale removed" if removed else "")
            + f" (API {api_endpoint.rstrip('/')})"
        )
    return written
