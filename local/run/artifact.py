"""The deployed function's code: found through get_function, fetched from the local S3, verified."""

from __future__ import annotations

import base64
import hashlib
import io
import os
import shutil
import tempfile
import urllib.request
import zipfile
from typing import Any
from urllib.parse import unquote, urlsplit

from botocore.exceptions import ClientError

from .aws import LocalAwsClients


class CodeUnavailable(RuntimeError):
    """The function's code could not be fetched from the local AWS."""


def _sha256_b64(data: bytes) -> str:
    return base64.b64encode(hashlib.sha256(data).digest()).decode("ascii")


def _find_object_bucket(aws: LocalAwsClients, key: str, hint: str | None) -> str | None:
    s3 = aws.client("s3")
    names = [b["Name"] for b in s3.list_buckets().get("Buckets", [])]
    if hint in names:  # try the bucket named in the URL first
        names.remove(hint)
        names.insert(0, hint)
    for name in names:
        try:
            s3.head_object(Bucket=name, Key=key)
            return name
        except ClientError:
            continue
    return None


def fetch_code(aws: LocalAwsClients, location: str, expected_sha256: str) -> bytes:
    """The zip behind get_function's Code.Location, checked against CodeSha256.

    A real Location is a presigned URL; moto's names a host that does not exist, but its path is
    the S3 key the code was created from, so that key is looked up in the local S3.
    """
    parts = urlsplit(location)
    endpoint = urlsplit(aws.endpoint_url)
    data: bytes | None = None
    if parts.netloc == endpoint.netloc:
        with urllib.request.urlopen(location, timeout=30) as resp:
            data = resp.read()
    else:
        key = unquote(parts.path.lstrip("/"))
        host_bucket = parts.netloc.split(".s3", 1)[0] if ".s3" in parts.netloc else None
        bucket = _find_object_bucket(aws, key, host_bucket)
        if bucket is None:
            raise CodeUnavailable(f"no bucket in the local S3 holds the function code {key!r}")
        data = aws.client("s3").get_object(Bucket=bucket, Key=key)["Body"].read()
    if expected_sha256 and _sha256_b64(data) != expected_sha256:
        raise CodeUnavailable(
            f"the code fetched from {location} does not match CodeSha256 {expected_sha256}"
        )
    return data


def extract_zip(data: bytes, prefix: str) -> str:
    """Unpack into a fresh temp directory, refusing entries that escape it."""
    root = tempfile.mkdtemp(prefix=prefix)
    real_root = os.path.realpath(root)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            for info in zf.infolist():
                target = os.path.realpath(os.path.join(root, info.filename))
                if not target.startswith(real_root + os.sep) and target != real_root:
                    raise CodeUnavailable(f"zip entry escapes the code directory: {info.filename}")
            zf.extractall(root)
    except (zipfile.BadZipFile, CodeUnavailable) as exc:
        shutil.rmtree(root, ignore_errors=True)
        raise CodeUnavailable(f"the deployed code is not a usable zip: {exc}") from exc
    return root


def load_function(aws: LocalAwsClients, function_name: str) -> tuple[dict[str, Any], str]:
    """(configuration, extracted code dir) of the function as deployed now; the configuration
    carries get_function's `Concurrency` too."""
    resp = aws.client("lambda").get_function(FunctionName=function_name)
    config = dict(resp["Configuration"])
    if "Concurrency" in resp:
        config["Concurrency"] = resp["Concurrency"]
    location = (resp.get("Code") or {}).get("Location")
    if not location:
        raise CodeUnavailable(
            f"{function_name} has no code location (container images unsupported)"
        )
    data = fetch_code(aws, location, config.get("CodeSha256", ""))
    return config, extract_zip(data, f"localrun-{config['FunctionName']}-")
