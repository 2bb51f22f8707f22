"""Each real adapter sends the shape and seed shapes.py maps, and the simulator (which draws
in the shape it was asked for) answers in that shape: the mapping reaches the wire."""

from __future__ import annotations

import time

import pytest
from pixelprompt.providers import GenerationRequest, ModelSpec, generate, shapes

from tests.providers.helpers import CASES, KEY_LABEL, PROVIDER_IDS, decoded

EXTRA = {
    "bfl-ultra": (ModelSpec("bfl", "flux-pro-1.1-ultra"), "sk-test"),
    "bedrock-stability": (ModelSpec("bedrock", "stability.sd3-5-large-v1:0"), ""),
}


def _cases() -> list[tuple[str, ModelSpec, str]]:
    out = [(p, CASES[p].spec, CASES[p].key) for p in PROVIDER_IDS]
    return out + [(name, spec, key) for name, (spec, key) in EXTRA.items()]


def _ratio(sent: dict) -> float:
    text = str(sent.get("size") or sent["aspectRatio"])
    width, height = (int(n) for n in text.replace(":", "x").split("x"))
    return width / height


@pytest.mark.parametrize("aspect", ["16:9", "3:4"])
@pytest.mark.parametrize(("name", "spec", "key"), _cases(), ids=[c[0] for c in _cases()])
def test_the_image_comes_back_in_the_shape_that_was_sent(sim, name, spec, key, aspect):
    request = GenerationRequest(prompt="a lighthouse", aspect_ratio=aspect, seed=42)
    image = generate(spec, key, request, time.monotonic() + 20, key_label=KEY_LABEL)
    sent = shapes.shape(spec.provider, spec.model_id, aspect, 42).sent
    width, height = decoded(image).size
    assert abs(width / height - _ratio(sent)) < 0.02, (name, sent, (width, height))
    if (sent["seed"] is not None and spec.provider in ("bfl", "stability")) or (
        spec.model_id.startswith("stability.")
    ):
        assert image.seed == 42, name  # the provider reports the seed it used
