"""One picture shape, mapped per provider: the aspect ratio and seed a person picks, in each
provider's own request fields, plus what we could not honour, said in words.

Keyed on provider id (and the model id where a provider's models differ), so it can join the
provider registry. Pure and deterministic: the worker calls `shape` to record what was sent,
and each adapter calls the same function to build its request body, so the two never disagree.

The sizes and ranges below, as read on 2026-12-01 (see docs/ARENA.md for the full table):
- OpenAI gpt-image-2 takes any WxH with both sides divisible by 16, aspect 1:3 to 3:1, up to
  3840x2160 (openai-python `resources/images.py` generate() docstring, whose 16:9 example is
  1536x864; facts/openai_google_recraft.md 1e-1f). Earlier GPT Image models take only 1024x1024,
  1536x1024, 1024x1536 or auto (openai_dart ImageSize docs; LibreChat discussion #15897).
  No GPT Image model has a seed field.
- BFL FLUX.1 width/height are 256-1440 in multiples of 32; FLUX.2 multiples of 16 up to 4 MP;
  ultra and kontext take `aspect_ratio`; every model takes `seed`, and the result reports it.
  (docs.bfl.ai flux-dev / flux-2-pro references; facts/bfl_stability_bedrock.md.)
- Stability v2beta `aspect_ratio` is one of 16:9 1:1 21:9 2:3 3:2 4:5 5:4 9:16 9:21 (no 4:3 or
  3:4); `seed` 0-4294967294 where 0 means random; the JSON answer reports the seed.
  (facts/bfl_stability_bedrock.md; providers.md S8-S11.)
- Recraft `size` takes "WxH" or "w:h" (recraft.ai/docs/api-reference/appendix); its OpenAPI
  mirror (tryAGI/Recraft openapi.yaml @ fa2b735) has `random_seed`, honoured by no documented
  model (facts/openai_google_recraft.md), so no seed is sent.
- Gemini `generationConfig.imageConfig.aspectRatio` takes 1:1 2:3 3:2 3:4 4:3 9:16 16:9 21:9;
  `generationConfig.seed` makes output "mostly deterministic", not guaranteed.
  (googleapis java-genai ImageConfig and GenerationConfig javadoc.)
- Bedrock Nova Canvas `imageGenerationConfig.width/height` 320-4096, `seed` 0-858,993,459;
  Bedrock's Stability models take Stability's `aspect_ratio` enum and `seed`, and answer `seeds`.
  (facts/bfl_stability_bedrock.md; AWS model-parameters pages.)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

ASPECT_RATIOS = ("1:1", "4:3", "3:4", "16:9", "9:16")
DEFAULT_ASPECT = "1:1"
MAX_SEED = 2_147_483_647  # the largest seed every seeded provider here accepts but Nova
NOVA_MAX_SEED = 858_993_459

# gpt-image-2: free sizes in multiples of 16, so every ratio is exact (long side 1536).
GPT_IMAGE_2_SIZES = {
    "1:1": "1024x1024",
    "4:3": "1536x1152",
    "3:4": "1152x1536",
    "16:9": "1536x864",
    "9:16": "864x1536",
}
# Earlier GPT Image models: three sizes. 4:3 and 16:9 both become the 3:2 landscape size.
OPENAI_SIZES = {
    "1:1": "1024x1024",
    "4:3": "1536x1024",
    "3:4": "1024x1536",
    "16:9": "1536x1024",
    "9:16": "1024x1536",
}
# dall-e-3 and OpenAI-compatible models that kept its sizes.
DALLE_SIZES = {
    "1:1": "1024x1024",
    "4:3": "1792x1024",
    "3:4": "1024x1792",
    "16:9": "1792x1024",
    "9:16": "1024x1792",
}
# FLUX.1 [pro 1.1 / pro / dev]: multiples of 32 within 256-1440, exact ratios.
FLUX1_SIZES = {
    "1:1": (1024, 1024),
    "4:3": (1152, 864),
    "3:4": (864, 1152),
    "16:9": (1024, 576),
    "9:16": (576, 1024),
}
# FLUX.2: multiples of 16, exact ratios near one megapixel.
FLUX2_SIZES = {
    "1:1": (1024, 1024),
    "4:3": (1152, 864),
    "3:4": (864, 1152),
    "16:9": (1280, 720),
    "9:16": (720, 1280),
}
# Nova Canvas: multiples of 16 within 320-4096, exact ratios.
NOVA_SIZES = {
    "1:1": (1024, 1024),
    "4:3": (1152, 864),
    "3:4": (864, 1152),
    "16:9": (1280, 720),
    "9:16": (720, 1280),
}
# Stability has no 4:3 or 3:4: the nearest ratios it has are 5:4 and 4:5.
STABILITY_RATIOS = {"1:1": "1:1", "4:3": "5:4", "3:4": "4:5", "16:9": "16:9", "9:16": "9:16"}
BFL_ASPECT_PREFIXES = ("flux-pro-1.1-ultra", "flux-kontext")


@dataclass(frozen=True)
class Shape:
    """What one provider is sent for a picked aspect ratio and seed."""

    fields: dict[str, Any]  # the provider's own request fields (merged by the adapter)
    sent: dict[str, Any]  # what /status reports as sent: size or aspectRatio, seed
    notes: tuple[str, ...] = field(default=())  # each choice the provider cannot honour


def shape(provider: str, model_id: str, aspect: str | None, seed: int | None) -> Shape:
    """The fields for `provider`/`model_id`; unknown providers get nothing and say so."""
    aspect = aspect or DEFAULT_ASPECT
    maker = _MAKERS.get(provider)
    if maker is None:
        return Shape({}, {"aspectRatio": aspect, "seed": None}, (_unmapped(provider),))
    return maker(model_id, aspect, seed)


def ratio_of(aspect: str) -> float:
    width, height = aspect.split(":")
    return int(width) / int(height)


def _unmapped(provider: str) -> str:
    return f"this provider ({provider}) has no size or seed mapping; it chose its own"


def _size_note(name: str, asked: str, given: str) -> str:
    return f"{name} has no {asked} size; sent {given}, its nearest"


def _no_seed(name: str) -> str:
    return f"{name}'s API takes no seed, so the seed was not sent"


def _openai(model_id: str, aspect: str, seed: int | None) -> Shape:
    if model_id.startswith("gpt-image-2"):
        table = GPT_IMAGE_2_SIZES
    else:
        table = OPENAI_SIZES if model_id.startswith("gpt-image") else DALLE_SIZES
    size = table[aspect]
    notes = []
    if not _same_ratio(size, aspect):
        notes.append(_size_note("OpenAI", aspect, size))
    if seed is not None:
        notes.append(_no_seed("OpenAI"))
    return Shape({"size": size}, {"size": size, "seed": None}, tuple(notes))


def _bfl(model_id: str, aspect: str, seed: int | None) -> Shape:
    fields: dict[str, Any]
    if model_id.startswith(BFL_ASPECT_PREFIXES):
        fields = {"aspect_ratio": aspect}
        sent: dict[str, Any] = {"aspectRatio": aspect}
    else:
        table = FLUX2_SIZES if model_id.startswith("flux-2") else FLUX1_SIZES
        width, height = table[aspect]
        fields = {"width": width, "height": height}
        sent = {"size": f"{width}x{height}"}
    if seed is not None:
        fields["seed"] = seed
    return Shape(fields, {**sent, "seed": seed})


def _stability_ratio(name: str, aspect: str, seed: int | None) -> tuple[dict[str, Any], list[str]]:
    ratio = STABILITY_RATIOS[aspect]
    fields: dict[str, Any] = {"aspect_ratio": ratio}
    notes = [] if ratio == aspect else [_size_note(name, aspect, ratio)]
    if seed is not None:
        fields["seed"] = seed
        if seed == 0:
            notes.append(f"{name} treats seed 0 as 'pick one at random'")
    return fields, notes


def _stability(model_id: str, aspect: str, seed: int | None) -> Shape:
    fields, notes = _stability_ratio("Stability AI", aspect, seed)
    # The form is multipart: every value goes as text.
    text = {name: str(value) for name, value in fields.items()}
    return Shape(text, {"aspectRatio": fields["aspect_ratio"], "seed": seed}, tuple(notes))


def _recraft(model_id: str, aspect: str, seed: int | None) -> Shape:
    # Recraft documents "w:h" as a size of its own, for every model, so the ratio is exact.
    # The square keeps its explicit pixel size: 2048x2048 for `_pro` models (2K), else 1024.
    size = aspect
    if aspect == "1:1":
        size = "2048x2048" if "pro" in model_id.split("_") else "1024x1024"
    # Its OpenAPI mirror has a `random_seed`, but nothing says a model honours it (and V4 is
    # said to ignore it), so no seed is sent rather than a promise that may not hold.
    notes = ("Recraft documents no seed that repeats an image, so the seed was not sent",)
    return Shape({"size": size}, {"size": size, "seed": None}, notes if seed is not None else ())


def _google(model_id: str, aspect: str, seed: int | None) -> Shape:
    fields: dict[str, Any] = {"imageConfig": {"aspectRatio": aspect}}
    notes: tuple[str, ...] = ()
    if seed is not None:
        fields["seed"] = seed
        notes = ("Gemini takes the seed but does not promise the same image for it",)
    return Shape(fields, {"aspectRatio": aspect, "seed": seed}, notes)


def _bedrock(model_id: str, aspect: str, seed: int | None) -> Shape:
    if model_id.startswith("stability."):
        fields, notes = _stability_ratio("Stability AI on Bedrock", aspect, seed)
        sent = {"aspectRatio": fields["aspect_ratio"], "seed": seed}
        return Shape(fields, sent, tuple(notes))
    width, height = NOVA_SIZES[aspect]
    config: dict[str, Any] = {"width": width, "height": height}
    notes = []
    sent_seed = seed
    if seed is not None and seed > NOVA_MAX_SEED:
        notes.append(f"Nova Canvas takes seeds up to {NOVA_MAX_SEED}; the seed was not sent")
        sent_seed = None
    elif seed is not None:
        config["seed"] = seed
    return Shape(config, {"size": f"{width}x{height}", "seed": sent_seed}, tuple(notes))


def _same_ratio(size: str, aspect: str) -> bool:
    width, height = (int(n) for n in size.split("x"))
    return abs(width / height - ratio_of(aspect)) < 0.02


_MAKERS = {
    "openai": _openai,
    "bfl": _bfl,
    "stability": _stability,
    "recraft": _recraft,
    "google": _google,
    "bedrock": _bedrock,
}
