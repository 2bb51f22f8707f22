"""Galleries: one per job, the folder `images/<galleryId>/`. Gallery ids sort newest first."""

from __future__ import annotations

import re
from typing import Any

from pixelprompt import jobs, s3json

PREFIX = "images/"
GALLERY_ID = re.compile(r"^\d{13}-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def _url(base: str, key: str) -> str | None:
    return f"{base}/{key}" if base else None


def _grouped(s3: Any, bucket: str, limit: int) -> dict[str, list[str]]:
    """The newest `limit` galleries' keys, in listing (= newest first) order."""
    groups: dict[str, list[str]] = {}
    paginator = s3.get_paginator("list_objects_v2")
    for page in paginator.paginate(Bucket=bucket, Prefix=PREFIX):
        for obj in page.get("Contents", []):
            parts = obj["Key"].split("/")
            if len(parts) != 3 or not GALLERY_ID.match(parts[1]):
                continue
            if parts[1] not in groups and len(groups) == limit:
                return groups  # the listing is sorted, so this gallery is complete
            groups.setdefault(parts[1], []).append(obj["Key"])
    return groups


def list_galleries(s3: Any, bucket: str, base_url: str, limit: int) -> list[dict[str, Any]]:
    return [
        {
            "id": gid,
            "timestamp": jobs.iso(jobs.gallery_time(gid)),
            "preview": _url(base_url, keys[0]),
            "imageCount": len(keys),
        }
        for gid, keys in _grouped(s3, bucket, limit).items()
    ]


def _labels(s3: Any, bucket: str, gid: str) -> tuple[str, dict[str, tuple[int, str]]]:
    """The job's prompt and, per image key, (slot index, model name) -- from the job record."""
    try:
        record = jobs.read(s3, bucket, gid[14:])
    except s3json.NotFound:
        return "", {}  # the record expired first; the keys still name the models
    labels = {
        r["imageKey"]: (r["index"], r["model"]) for r in record["results"] if r.get("imageKey")
    }
    return record.get("prompt", ""), labels


def get_gallery(s3: Any, bucket: str, base_url: str, gid: str) -> dict[str, Any] | None:
    listing = s3.list_objects_v2(Bucket=bucket, Prefix=f"{PREFIX}{gid}/", MaxKeys=100)
    keys = [obj["Key"] for obj in listing.get("Contents", [])]
    if not keys:
        return None
    prompt, labels = _labels(s3, bucket, gid)
    suffix = f"-{gid[14:]}."

    def label(key: str) -> tuple[int, str]:
        return labels.get(key, (999, key.rsplit("/", 1)[-1].split(suffix)[0]))

    images = [
        {"model": label(key)[1], "url": _url(base_url, key), "prompt": prompt, "key": key}
        for key in sorted(keys, key=lambda k: label(k)[0])
    ]
    return {
        "id": gid,
        "timestamp": jobs.iso(jobs.gallery_time(gid)),
        "prompt": prompt,
        "images": images,
    }
