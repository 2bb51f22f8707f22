"""The simulated chat models' answer: the prompt, visibly built upon."""

from __future__ import annotations

import hashlib

_STYLES = (
    "as a richly detailed digital painting, soft golden-hour light, warm and cool contrast",
    "as a cinematic photograph, 35 mm lens, shallow depth of field, dramatic rim lighting",
    "as a delicate watercolour illustration, visible paper texture, muted pastel palette",
    "as a crisp isometric 3D render, studio lighting, clean background, vivid colours",
)


def enhanced(prompt: str, model: str) -> str:
    prompt = " ".join(prompt.split()) or "an empty scene"
    index = hashlib.sha256(f"{model}\n{prompt}".encode()).digest()[0] % len(_STYLES)
    return (
        f"{prompt.rstrip('.')}, {_STYLES[index]}, carefully composed with a clear focal point "
        "and fine textures (enhanced by the simulator)"
    )
