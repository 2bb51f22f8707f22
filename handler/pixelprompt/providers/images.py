"""Turning provider payloads into checked image bytes (magic numbers only: Pillow is the
worker's job, and importing it here would slow every cold start)."""

from __future__ import annotations

import base64
import binascii

from .base import GeneratedImage, ProviderError
from .transport import Caller, send

_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
)


def sniff(data: bytes) -> str | None:
    """The image type the bytes really are, or None."""
    for magic, content_type in _MAGIC:
        if data.startswith(magic):
            return content_type
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def checked_image(data: bytes, who: Caller) -> GeneratedImage:
    content_type = sniff(data)
    if content_type is None:
        raise ProviderError(
            f"{who.name} returned a body that is not an image", code=ProviderError.BAD_RESPONSE
        )
    return GeneratedImage(data=data, content_type=content_type)


def from_base64(value: object, who: Caller) -> GeneratedImage:
    if not isinstance(value, str) or not value:
        raise ProviderError(f"{who.name} returned no image data", code=ProviderError.BAD_RESPONSE)
    if value.startswith("data:") and "," in value:
        value = value.split(",", 1)[1]  # a data: URL
    try:
        data = base64.b64decode(value, validate=False)
    except (binascii.Error, ValueError):
        raise ProviderError(
            f"{who.name} returned image data that is not valid base64",
            code=ProviderError.BAD_RESPONSE,
        ) from None
    return checked_image(data, who)


def download(url: object, who: Caller, deadline: float) -> GeneratedImage:
    """Fetch a result URL (signed, so no credentials are sent) and check it is an image."""
    if not isinstance(url, str) or not url.startswith(("https://", "http://")):
        raise ProviderError(
            f"{who.name} returned no usable image URL", code=ProviderError.BAD_RESPONSE
        )
    response = send("GET", url, who=who, deadline=deadline)
    return checked_image(response.content, who)
