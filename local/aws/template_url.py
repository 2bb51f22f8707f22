"""TemplateURL resolution that also understands the local endpoint's own object URLs.

moto reads ``https://<bucket>.s3[.region].amazonaws.com/<key>``, path-style
``https://s3[.region].amazonaws.com/<bucket>/<key>`` and ``localhost`` URLs, but takes the
bucket of ``http://127.0.0.1:PORT/<bucket>/<key>`` (what a client pointed at this endpoint
builds) to be ``127``, and fails with a server error when the object does not exist.
"""

from __future__ import annotations

from urllib.parse import unquote, urlparse

from moto.cloudformation import models, responses
from moto.cloudformation import utils as cfn_utils
from moto.cloudformation.exceptions import ValidationError
from moto.s3.models import s3_backends


def _bucket_and_key(url: str) -> tuple[str, str]:
    parts = urlparse(url)
    host = parts.hostname or ""
    path = unquote(parts.path).lstrip("/")
    path_style = (
        host in ("localhost", "127.0.0.1") or host.startswith("s3.") or host == ("s3.amazonaws.com")
    )
    if path_style:
        bucket, _, key = path.partition("/")
        return bucket, key
    return host.split(".")[0], path


def get_stack_from_s3_url(template_url: str, account_id: str, partition: str) -> str:
    bucket, key = _bucket_and_key(template_url)
    try:
        found = s3_backends[account_id][partition].get_object(bucket, key)
    except Exception:
        found = None
    if found is None:
        raise ValidationError(message=f"S3 error: Unable to get object at {template_url}")
    return found.value.decode("utf-8")


def install() -> None:
    for module in (cfn_utils, models, responses):
        module.get_stack_from_s3_url = get_stack_from_s3_url  # type: ignore[attr-defined]
