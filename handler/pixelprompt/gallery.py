"""Galleries: one per job, the folder `images/<galleryId>/`. Gallery ids sort newest first."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from pixelprompt import jobs, s3json

PREFIX = "images/"
THUMBNAILS = 4
READ_THREADS = 16
# ASCII digits only ("\\d" would take any script's digits), and no trailing newline ("$" would).
GALLERY_ID = re.compile(r"[0-9]{13}-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _url(base: str, key: str) -> str | None:
    return f"{base}/{key}" if base else None


def _grouped(
    s3: Any, bucket: str, limit: int, after: str | None
) -> tuple[dict[str, list[str]], bool]:
    """Up to `limit` galleries' keys in listing (= newest first) order, starting after the
    gallery `after`, and whether more follow. S3 lists server-side from StartAfter, so a later
    page costs no more than the first."""
    groups: dict[str, list[str]] = {}
    paginator = s3.get_paginator("list_objects_v2")
    # "~" sorts after every character of a gallery's object names: skip that whole gallery.
    start = {"StartAfter": f"{PREFIX}{after}/~"} if after else {}
    for page in paginator.paginate(Bucket=bucket, Prefix=PREFIX, **start):
        for obj in page.get("Contents", []):
            parts = obj["Key"].split("/")
            if len(parts) != 3 or not GALLERY_ID.fullmatch(parts[1]):
                continue
            if parts[1] not in groups and len(groups) == limit:
                return groups, True  # the listing is sorted, so this gallery is complete
            groups.setdefault(parts[1], []).append(obj["Key"])
    return groups, False


def _record(s3: Any, bucket: str, gid: str) -> dict[str, Any] | None:
    try:
        return jobs.read(s3, bucket, gid[14:])
    except s3json.NotFound:
        return None  # the record expired before its images did


def list_page(s3: Any, bucket: str, base_url: str, limit: int, after: str | None) -> dict[str, Any]:
    """One page of galleries, each with its prompt and a few thumbnails; `next` is the cursor
    for the following page (None on the last)."""
    groups, more = _grouped(s3, bucket, limit, after)
    with ThreadPoolExecutor(max_workers=READ_THREADS) as pool:
        records = dict(
            zip(groups, pool.map(lambda g: _record(s3, bucket, g), groups), strict=False)
        )
    items = []
    for gid, keys in groups.items():
        record = records.get(gid) or {}
        results = record.get("results", [])
        items.append(
            {
                "id": gid,
                "jobId": gid[14:],
                "timestamp": jobs.iso(jobs.gallery_time(gid)),
                "prompt": record.get("prompt"),
                "preview": _url(base_url, keys[0]),
                "thumbnails": [_url(base_url, k) for k in keys[:THUMBNAILS]],
                "imageCount": len(keys),
                "modelCount": len(results) or None,
                "failedCount": sum(1 for r in results if r.get("status") == "error"),
            }
        )
    return {"galleries": items, "next": next(reversed(groups)) if more and groups else None}


def _labels(record: dict[str, Any] | None) -> tuple[str, dict[str, tuple[int, str]]]:
    """The job's prompt and, per image key, (slot index, model name) -- from the job record."""
    if record is None:
        return "", {}  # the record expired first; the keys still name the models
    labels = {
        r["imageKey"]: (r["index"], r["model"]) for r in record["results"] if r.get("imageKey")
    }
    return record.get("prompt", ""), labels


def _failed(record: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The models that made no image, with their error, in slot order."""
    return [
        {"index": r["index"], "model": r["model"], "status": "error", "error": r.get("error"),
         "errorCode": r.get("errorCode")}
        for r in (record or {}).get("results", [])
        if r.get("status") == "error"
    ]  # fmt: skip


def get_gallery(s3: Any, bucket: str, base_url: str, gid: str) -> dict[str, Any] | None:
    listing = s3.list_objects_v2(Bucket=bucket, Prefix=f"{PREFIX}{gid}/", MaxKeys=100)
    keys = [obj["Key"] for obj in listing.get("Contents", [])]
    record = _record(s3, bucket, gid)
    if not keys and record is None:
        return None
    prompt, labels = _labels(record)
    suffix = f"-{gid[14:]}."

    def label(key: str) -> tuple[int, str]:
        return labels.get(key, (999, key.rsplit("/", 1)[-1].split(suffix)[0]))

    images = [
        {
            "index": label(key)[0] if label(key)[0] != 999 else None,
            "model": label(key)[1],
            "url": _url(base_url, key),
            "prompt": prompt,
            "key": key,
        }
        for key in sorted(keys, key=lambda k: label(k)[0])
    ]
    return {
        "id": gid,
        "timestamp": jobs.iso(jobs.gallery_time(gid)),
        "prompt": prompt,
        "jobId": gid[14:],
        "parameters": (record or {}).get("parameters"),
        "images": images,
        "failed": _failed(record),
    }
