"""Generated images: check the bytes really are an image, then store them where CloudFront serves.

Keys follow docs/ARCHITECTURE.md: `images/<galleryId>/<model-slug>-<jobId>.<ext>`.
"""

from __future__ import annotations

import io
import re
from typing import Any

# Pillow format -> (extension, Content-Type). Anything else is refused (e.g. SVG, PDF).
FORMATS = {
    "PNG": ("png", "image/png"),
    "JPEG": ("jpg", "image/jpeg"),
    "WEBP": ("webp", "image/webp"),
    "GIF": ("gif", "image/gif"),
}
MAX_IMAGE_BYTES = 40 * 1024 * 1024


class NotAnImage(Exception):
    """The provider's bytes are not a usable raster image; the message says why."""


def inspect(data: bytes) -> tuple[str, str]:
    """(extension, content type) of `data`, judged by Pillow, not by the provider's claim."""
    if not data:
        raise NotAnImage("the provider returned no image data")
    if len(data) > MAX_IMAGE_BYTES:
        raise NotAnImage(f"the image is larger than {MAX_IMAGE_BYTES // (1024 * 1024)} MB")
    from PIL import Image, UnidentifiedImageError  # deferred: not needed for API requests

    try:
        with Image.open(io.BytesIO(data)) as img:
            fmt = img.format or ""
            img.verify()  # checks structure and checksums without decoding every pixel
    except (UnidentifiedImageError, Image.DecompressionBombError) as exc:
        raise NotAnImage(f"the provider's response is not a valid image ({exc})") from exc
    except Exception as exc:  # Pillow raises many types for corrupt data
        raise NotAnImage(f"the provider's image is corrupt ({type(exc).__name__})") from exc
    if fmt not in FORMATS:
        raise NotAnImage(f"the provider returned an unsupported image format ({fmt or 'unknown'})")
    return FORMATS[fmt]


def slug(name: str) -> str:
    """A key-safe form of a model name: "Flux Pro 1.1" -> "flux-pro-1-1"."""
    text = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    return text[:60].strip("-") or "model"


def slugs(names: list[tuple[int, str]]) -> dict[int, str]:
    """Slug per slot index; a name configured twice gets its slot number so keys never collide."""
    seen: set[str] = set()
    out: dict[int, str] = {}
    for index, name in names:
        s = slug(name)
        if s in seen:
            s = f"{s}-{index}"
        seen.add(s)
        out[index] = s
    return out


def image_key(gallery: str, model_slug: str, job_id: str, ext: str, attempt: int = 1) -> str:
    """A retry's image gets its own key: images are immutable (cached for a year)."""
    suffix = "" if attempt <= 1 else f"-attempt{attempt}"
    return f"images/{gallery}/{model_slug}-{job_id}{suffix}.{ext}"


def dimensions(data: bytes) -> tuple[int, int]:
    """(width, height) in pixels, read from the image header by Pillow."""
    from PIL import Image

    with Image.open(io.BytesIO(data)) as img:
        return img.size


def store(s3: Any, bucket: str, key: str, data: bytes, content_type: str) -> None:
    s3.put_object(
        Bucket=bucket,
        Key=key,
        Body=data,
        ContentType=content_type,
        CacheControl="public, max-age=31536000, immutable",
    )
