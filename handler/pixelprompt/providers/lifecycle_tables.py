"""Which model ids are alive: each provider's lifecycle table, with the sources it came from.

A model's status is computed from its dates on the day asked, so an announced shutdown takes
effect by itself: legacy from `legacy_since` (or once a shutdown is announced), shut down from
`shutdown_on`. `replacement` is what to name instead ("model-id" of the same provider, or
"provider/model-id"). `usd_per_image` is left for the daily budget: None where no vendor price
for one 1024x1024 image was read.

Sources, read on 2026-12-01 (stored copies; docs/MODELS.md has the same table for people):
  [oai-dep]  developers.openai.com/api/docs/deprecations (newest copy, the one that already
             names gpt-6.1-*): gpt-image-1-mini, gpt-image-1.5(-2025-12-16), chatgpt-image-latest
             shut down 2026-12-01 (notice 2026-06-02), replacement gpt-image-2.6-sunburst or -flare.
  [oai-old]  the same page as copied by third parties (dev.to/max_bob, 2026-10-27, checked against
             GET /v1/models shutdown_date; nerova.ai; garrytan/gstack#990): gpt-image-1 shut down
             2026-10-23; dall-e-2/3 on 2026-05-12; gpt-4.1-mini shuts down 2027-01-14 -> gpt-6-luna.
  [oai-mod]  developers.openai.com/api/docs/models/gpt-image-2.6-sunburst and /gpt-6-luna (vendor
             model pages); openai/openai-python @e43b422 types/image_model.py (gpt-image-2).
             A third-party note that gpt-image-2 was deprecated on 2026-11-10 is UNCONFIRMED: the
             preflight reads OpenAI's own shutdown_date for it.
  [goo-dep]  ai.google.dev/gemini-api/docs/deprecations and changelog: *-image-preview shut down
             2026-06-25 (-> GA ids); gemini-2.5-flash-image shut down 2026-10-02; gemini-2.5-flash
             2026-06-17; gemini-3.1-flash-image and gemini-3-pro-image GA 2026-05-28 with no
             shutdown date; gemini-3.1-flash-lite-image GA 2026-06-30; gemini-3.6-flash GA
             2026-07-21. A third-party claim that gemini-3.1-flash-image shut down 2026-10-29 was
             NOT confirmed by any vendor page.
  [goo-img]  ai.google.dev/gemini-api/docs/imagen.md.txt; firebase.google.com
             imagen-models-migration: every Imagen model shut down 2026-08-17 (ultra ->
             gemini-3-pro-image).
  [bfl]      docs.us.bfl.ai/quick_start/generating_images lists every id below as available; no BFL
             deprecation page exists. Prices: docs.bfl.ml pricing (1 credit = $0.01) and
             black-forest-labs/skills bfl-api/SKILL.md @d0793c84 (FLUX.2).
  [stab]     Stability v2beta stable-image/generate/{ultra,core,sd3} with sd3.5-large, -large-turbo,
             -medium (Stability's OpenAPI as mirrored by third parties; stability.ai
             api-pricing-update-25 retired only Stable Video and SD 1.6). sd3.5-flash is left out:
             only third-party clients name it.
  [recraft]  recraft.ai/docs/api-reference/models, appendix and pricing: recraftv4_1 is the
             default; no Recraft model deprecations. Prices per raster image.
  [aws-lc]   docs.aws.amazon.com/bedrock/latest/userguide/model-lifecycle(-legacy): states Active,
             Legacy, EOL; amazon.nova-canvas-v1:0 Legacy 2026-03-30, EOL 2026-09-30 (row as
             harvested by api-evangelist/amazon-nova on 2026-09-01). AWS names no successor; the
             replacement given is the nearest Bedrock image model this project supports.
  [aws-stab] docs.aws.amazon.com/bedrock/latest/userguide/model-parameters-stability-diffusion:
             Stable Image Ultra, Stable Image Core and SD3.5 Large are the supported Stability
             models ("support for all other Stability AI models is being deprecated"). Their
             lifecycle rows were not retrieved; the preflight asks GetFoundationModel.
  Titan Image: "retired" per ../shared/providers.md; no AWS row with a date was found.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

ACTIVE = "active"
LEGACY = "legacy"
SHUT_DOWN = "shut down"


@dataclass(frozen=True)
class Model:
    id: str
    kind: str = "image"  # image | chat
    legacy_since: str | None = None  # ISO date: deprecated / legacy from this day
    shutdown_on: str | None = None  # ISO date: requests fail from this day
    replacement: str | None = None
    usd_per_image: float | None = None  # for the daily budget; None: no vendor price read
    source: str = ""  # a key of the sources list above
    retired: bool = False  # shut down on a date we could not confirm

    def status(self, on: date) -> str:
        if self.retired or (self.shutdown_on and on >= date.fromisoformat(self.shutdown_on)):
            return SHUT_DOWN
        if self.shutdown_on or (self.legacy_since and on >= date.fromisoformat(self.legacy_since)):
            return LEGACY
        return ACTIVE


def _gone(model_id: str, on: str | None, replacement: str, source: str, **kw: object) -> Model:
    """A model that is shut down (on `on`, or on an unknown date when None)."""
    return Model(
        model_id,
        shutdown_on=on,
        replacement=replacement,
        source=source,
        retired=on is None,
        **kw,  # type: ignore[arg-type]
    )


OPENAI_IMAGE = "gpt-image-2.6-sunburst"
OPENAI: tuple[Model, ...] = (
    Model("gpt-image-2.6-sunburst", source="oai-mod"),
    Model("gpt-image-2.6-flare", source="oai-dep"),
    Model("gpt-image-2", source="oai-mod"),
    Model("gpt-image-2-2026-04-21", source="oai-mod"),
    _gone("gpt-image-1.5", "2026-12-01", OPENAI_IMAGE, "oai-dep", legacy_since="2026-06-02"),
    _gone(
        "gpt-image-1.5-2025-12-16", "2026-12-01", OPENAI_IMAGE, "oai-dep", legacy_since="2026-06-02"
    ),
    _gone("gpt-image-1-mini", "2026-12-01", OPENAI_IMAGE, "oai-dep", legacy_since="2026-06-02"),
    _gone("chatgpt-image-latest", "2026-12-01", OPENAI_IMAGE, "oai-dep", legacy_since="2026-06-02"),
    _gone("gpt-image-1", "2026-10-23", OPENAI_IMAGE, "oai-old"),
    _gone("dall-e-3", "2026-05-12", OPENAI_IMAGE, "oai-old"),
    _gone("dall-e-2", "2026-05-12", OPENAI_IMAGE, "oai-old"),
    Model("gpt-6-luna", kind="chat", source="oai-mod"),
    Model(
        "gpt-4.1-mini",
        kind="chat",
        shutdown_on="2027-01-14",
        replacement="gpt-6-luna",
        source="oai-old",
    ),
)

GOOGLE: tuple[Model, ...] = (
    Model("gemini-3.1-flash-image", source="goo-dep"),
    Model("gemini-3-pro-image", source="goo-dep"),
    Model("gemini-3.1-flash-lite-image", source="goo-dep"),
    _gone("gemini-3.1-flash-image-preview", "2026-06-25", "gemini-3.1-flash-image", "goo-dep"),
    _gone("gemini-3-pro-image-preview", "2026-06-25", "gemini-3-pro-image", "goo-dep"),
    _gone("gemini-2.5-flash-image", "2026-10-02", "gemini-3.1-flash-image", "goo-dep"),
    _gone("imagen-4.0-generate-001", "2026-08-17", "gemini-3.1-flash-image", "goo-img"),
    _gone("imagen-4.0-fast-generate-001", "2026-08-17", "gemini-3.1-flash-image", "goo-img"),
    _gone("imagen-4.0-ultra-generate-001", "2026-08-17", "gemini-3-pro-image", "goo-img"),
    _gone("imagen-3.0-generate-002", None, "gemini-3.1-flash-image", "goo-img"),
    Model("gemini-3.6-flash", kind="chat", source="goo-dep"),
    _gone("gemini-2.5-flash", "2026-06-17", "gemini-3.6-flash", "goo-dep", kind="chat"),
)

BFL: tuple[Model, ...] = (
    Model("flux-pro-1.1", usd_per_image=0.04, source="bfl"),
    Model("flux-pro-1.1-ultra", usd_per_image=0.06, source="bfl"),
    Model("flux-pro", source="bfl"),
    Model("flux-dev", source="bfl"),
    Model("flux-kontext-pro", usd_per_image=0.04, source="bfl"),
    Model("flux-kontext-max", usd_per_image=0.08, source="bfl"),
    Model("flux-2-pro", usd_per_image=0.03, source="bfl"),
    Model("flux-2-pro-preview", source="bfl"),
    Model("flux-2-max", usd_per_image=0.07, source="bfl"),
    Model("flux-2-flex", source="bfl"),
    Model("flux-2-klein-4b", usd_per_image=0.014, source="bfl"),
    Model("flux-2-klein-9b", usd_per_image=0.015, source="bfl"),
    Model("flux-2-klein-9b-preview", source="bfl"),
)

STABILITY: tuple[Model, ...] = (
    Model("ultra", source="stab"),
    Model("core", source="stab"),
    Model("sd3.5-large", source="stab"),
    Model("sd3.5-large-turbo", source="stab"),
    Model("sd3.5-medium", source="stab"),
)

RECRAFT: tuple[Model, ...] = (
    Model("recraftv4_1", usd_per_image=0.035, source="recraft"),
    Model("recraftv4_1_pro", usd_per_image=0.21, source="recraft"),
    Model("recraftv4_1_utility", usd_per_image=0.035, source="recraft"),
    Model("recraftv4_1_utility_pro", usd_per_image=0.21, source="recraft"),
    Model("recraftv4_1_flash", usd_per_image=0.007, source="recraft"),
    Model("recraftv4_1_vector", usd_per_image=0.08, source="recraft"),
    Model("recraftv4", usd_per_image=0.04, source="recraft"),
    Model("recraftv4_pro", usd_per_image=0.25, source="recraft"),
    Model("recraftv4_vector", usd_per_image=0.08, source="recraft"),
    Model("recraftv3", usd_per_image=0.04, source="recraft"),
    Model("recraftv3_vector", usd_per_image=0.08, source="recraft"),
    Model("recraftv2", usd_per_image=0.022, source="recraft"),
)

BEDROCK_IMAGE = "stability.stable-image-core-v1:1"
BEDROCK: tuple[Model, ...] = (
    Model("stability.stable-image-core-v1:1", source="aws-stab"),
    Model("stability.stable-image-ultra-v1:1", source="aws-stab"),
    Model("stability.sd3-5-large-v1:0", source="aws-stab"),
    _gone(
        "amazon.nova-canvas-v1:0", "2026-09-30", BEDROCK_IMAGE, "aws-lc", legacy_since="2026-03-30"
    ),
    _gone("amazon.titan-image-generator-v2:0", None, BEDROCK_IMAGE, "aws-lc"),
    _gone("amazon.titan-image-generator-v1", None, BEDROCK_IMAGE, "aws-lc"),
    Model("amazon.nova-lite-v1:0", kind="chat", source="aws-lc"),
)
