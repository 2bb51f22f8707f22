"""The simulator's images: drawn from the prompt, so each model's answer looks different and
nobody mistakes one for a real provider's output."""

from __future__ import annotations

import hashlib
import io
import textwrap
from functools import lru_cache

from PIL import Image, ImageDraw, ImageFont, ImageOps, features

SIZE = 512
FORMATS = {"png": "PNG", "jpeg": "JPEG", "jpg": "JPEG", "webp": "WEBP"}
CONTENT_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp"}


def shape_size(shape: object) -> tuple[int, int]:
    """The drawn size for a requested shape ("1536x1024", "16:9", a (w, h) pair): the same
    ratio with the long side SIZE, so the adapter's own size mapping shows in the result.
    Anything else (absent, "auto", nonsense) is a SIZE square, as before."""
    try:
        if isinstance(shape, tuple | list):
            width, height = (int(n) for n in shape)
        else:
            separator = "x" if "x" in str(shape) else ":"
            width, height = (int(n) for n in str(shape).split(separator))
    except (TypeError, ValueError):
        return SIZE, SIZE
    if width <= 0 or height <= 0:
        return SIZE, SIZE
    scale = SIZE / max(width, height)
    return max(1, round(width * scale)), max(1, round(height * scale))


@lru_cache(maxsize=64)
def draw(prompt: str, model: str, fmt: str = "png", shape: str | None = None) -> bytes:
    """An image in `shape` (see shape_size): a gradient seeded by prompt+model, the prompt,
    the model id, drawn on a SIZE square and then scaled to the shape."""
    pil_format = FORMATS.get(fmt.lower(), "PNG")
    digest = hashlib.sha256(f"{model}\n{prompt}".encode()).digest()
    image = _gradient(digest)
    overlay = Image.new("RGBA", image.size, (0, 0, 0, 0))
    pen = ImageDraw.Draw(overlay)
    _banner(pen)
    _prompt_text(pen, prompt)
    _footer(pen, model)
    image = Image.alpha_composite(image.convert("RGBA"), overlay).convert("RGB")
    if shape is not None and shape_size(shape) != (SIZE, SIZE):
        image = image.resize(shape_size(shape))
    out = io.BytesIO()
    image.save(out, format=pil_format, **({"quality": 85} if pil_format != "PNG" else {}))
    return out.getvalue()


def content_type(fmt: str) -> str:
    return CONTENT_TYPES[FORMATS.get(fmt.lower(), "PNG")]


def _gradient(digest: bytes) -> Image.Image:
    start, end = tuple(digest[0:3]), tuple(digest[3:6])
    base = Image.radial_gradient("L") if digest[6] % 2 else Image.linear_gradient("L")
    base = base.resize((SIZE, SIZE)).rotate(90 * (digest[7] % 4))
    return ImageOps.colorize(base, black=start, white=end)


def _font(size: int) -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    if features.check("freetype2"):
        return ImageFont.load_default(size=size)
    return ImageFont.load_default()


def _banner(pen: ImageDraw.ImageDraw) -> None:
    pen.rectangle((0, 0, SIZE, 56), fill=(200, 20, 40, 220))
    pen.text((SIZE // 2, 28), "SIMULATED", font=_font(40), fill="white", anchor="mm")


def _prompt_text(pen: ImageDraw.ImageDraw, prompt: str) -> None:
    lines = textwrap.wrap(prompt, width=34)[:9] or ["(empty prompt)"]
    height = 30 * len(lines) + 20
    top = (SIZE - height) // 2
    pen.rectangle((24, top, SIZE - 24, top + height), fill=(0, 0, 0, 140))
    for number, line in enumerate(lines):
        pen.text((40, top + 10 + 30 * number), line, font=_font(24), fill="white")


def _footer(pen: ImageDraw.ImageDraw, model: str) -> None:
    pen.rectangle((0, SIZE - 40, SIZE, SIZE), fill=(0, 0, 0, 170))
    pen.text((SIZE // 2, SIZE - 20), model[:48], font=_font(20), fill="white", anchor="mm")
