"""The provider registry: one `Provider` per vendor, everything we know about it in one place.

Shaped after simonw/llm's model registry: each provider declares its id, aliases, display name,
whether it needs a key, where its base URL comes from, its chat model for /enhance, its
friendly-name rules and its model lifecycle table, and refers (by module name, imported only
when called) to its adapter's `generate`, `enhance` and `classify`, and to its key check and
model lookup in `probes`. The catalog, the accepted-forms sentence, the simulator's environment
map and its list of live models are all derived from this.

Pure Python on purpose: the Lambda imports it on every cold start and deploy.py imports it to
check parameters, so nothing here may import requests, boto3 or an adapter at import time.

To add a provider: write its adapter module, add one `Provider(...)` to REGISTRY (with its
lifecycle table in `lifecycle_tables`), one simulator protocol, one row in the provider tests.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from types import ModuleType
from typing import Any

from . import lifecycle_tables as tables
from .lifecycle_tables import ACTIVE, LEGACY, SHUT_DOWN, Model

__all__ = [
    "ACTIVE",
    "LEGACY",
    "REGISTRY",
    "SHUT_DOWN",
    "Lifecycle",
    "Model",
    "Provider",
    "RetryPolicy",
    "Rule",
    "by_alias",
    "get",
    "today",
]


def today() -> date:
    """The date lifecycle answers are given for (UTC, as the vendors' dates are)."""
    return datetime.now(UTC).date()


@dataclass(frozen=True)
class Rule:
    """A friendly name matches when every keyword is one of its words (or a run of them)."""

    keywords: tuple[str, ...]
    model_id: str


@dataclass(frozen=True)
class Lifecycle:
    """What the table says about one model id on one day."""

    model_id: str
    status: str  # ACTIVE | LEGACY | SHUT_DOWN, or "unknown" for ids the table does not hold
    since: str | None = None  # legacy since / shut down on (ISO date), when known
    shutdown_on: str | None = None  # the announced shutdown (also for legacy models)
    replacement: str | None = None  # "provider/model-id"

    @property
    def known(self) -> bool:
        return self.status != "unknown"


@dataclass(frozen=True)
class RetryPolicy:
    """How the adapter retries, read from its own modules (so this never drifts from them)."""

    attempts: int
    resend: Any  # what may be sent again: transport.RetryPolicy for HTTP, error codes (Bedrock)
    wait_after_quiet_429: float | None  # seconds the vendor documents when a 429 names none


@dataclass(frozen=True)
class Provider:
    id: str
    display_name: str
    aliases: tuple[str, ...]
    needs_key: bool
    base_url_env: str  # read at call time, so tests and the local run can redirect it
    default_base: str  # "" when the SDK finds the endpoint itself (boto3 for Bedrock)
    adapter: str  # module under pixelprompt.providers with generate / enhance / classify
    default_model: str  # what "provider" alone means, e.g. "OpenAI" -> its default model
    models: tuple[Model, ...]
    rules: tuple[Rule, ...]
    known_names: tuple[str, ...]  # friendly names shown in the accepted-forms sentence
    chat_model: str | None = None  # for /enhance; None: the provider has no chat API
    lookup_env: str | None = None  # the model lookup's endpoint when it is not base_url_env
    rules_first: bool = False  # tried before the others' rules ("... (Bedrock)" names
    # other vendors' models)
    _index: dict[str, Model] = field(default_factory=dict, init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._index.update({model.id.lower(): model for model in self.models})

    # -- the lifecycle table ------------------------------------------------------------------
    def model(self, model_id: str) -> Model | None:
        return self._index.get(model_id.lower())

    def lifecycle(self, model_id: str, on: date | None = None) -> Lifecycle:
        model = self.model(model_id)
        if model is None:
            return Lifecycle(model_id, "unknown")
        status = model.status(on or today())
        since = model.shutdown_on if status == SHUT_DOWN else model.legacy_since
        return Lifecycle(
            model.id, status, since, model.shutdown_on, self.qualified(model.replacement)
        )

    def live_models(self, on: date | None = None) -> frozenset[str]:
        """Ids that answer today: every table entry that is not shut down."""
        day = on or today()
        return frozenset(m.id for m in self.models if m.status(day) != SHUT_DOWN)

    def qualified(self, model_id: str | None) -> str | None:
        if model_id is None or "/" in model_id:
            return model_id
        return f"{self.id}/{model_id}"

    # -- references to the adapter (imported on first use) --------------------------------------
    def module(self) -> ModuleType:
        return importlib.import_module(f"{__package__}.{self.adapter}")

    @property
    def generate(self) -> Callable[..., Any]:
        return self.module().generate

    @property
    def enhance(self) -> Callable[..., Any]:
        return self.module().enhance

    @property
    def classify(self) -> Callable[..., Any] | None:
        return getattr(self.module(), "classify", None)

    @property
    def retry_policy(self) -> RetryPolicy:
        transport = importlib.import_module(f"{__package__}.transport")
        adapter = self.module()
        resend = getattr(adapter, "RETRY", None) or getattr(adapter, "RETRYABLE", None)
        return RetryPolicy(
            attempts=int(transport.MAX_ATTEMPTS),
            resend=resend if resend is not None else transport.PAID,
            wait_after_quiet_429=getattr(adapter, "RATE_LIMIT_WAIT", None),
        )

    # -- the key check and the model lookup (the deploy-time preflight) ------------------------
    def check(self, model_id: str, api_key: str, timeout: float, context: Any = None) -> Any:
        """Ask the provider whether the key is accepted and the model exists (a `probes.Probe`).

        Never billable: each provider's call is a metadata or account read (see probes)."""
        probes = importlib.import_module(f"{__package__}.probes")
        return probes.check(self, model_id, api_key, timeout, context)


REGISTRY: tuple[Provider, ...] = (
    Provider(
        id="openai",
        display_name="OpenAI",
        aliases=("openai",),
        needs_key=True,
        base_url_env="OPENAI_BASE_URL",
        default_base="https://api.openai.com/v1",
        adapter="openai_api",
        default_model="gpt-image-2.6-sunburst",
        models=tables.OPENAI,
        rules=(
            Rule(("gpt", "image", "mini"), "gpt-image-1-mini"),
            Rule(("gpt", "image", "1.5"), "gpt-image-1.5"),
            Rule(("gpt", "image", "2.6", "flare"), "gpt-image-2.6-flare"),
            Rule(("gpt", "image", "2.6"), "gpt-image-2.6-sunburst"),
            Rule(("gpt", "image", "2"), "gpt-image-2"),
            Rule(("gpt", "image", "1"), "gpt-image-1"),
            Rule(("gpt", "image"), "gpt-image-2.6-sunburst"),
            Rule(("chatgpt", "image"), "chatgpt-image-latest"),
            Rule(("dall", "e", "2"), "dall-e-2"),
            Rule(("dall", "e"), "dall-e-3"),
            Rule(("dalle",), "dall-e-3"),
            Rule(("openai",), "gpt-image-2.6-sunburst"),
        ),
        known_names=("GPT Image", "GPT Image 2"),
        chat_model="gpt-6-luna",
    ),
    Provider(
        id="bfl",
        display_name="BFL",
        aliases=("bfl", "black-forest-labs", "blackforestlabs"),
        needs_key=True,
        base_url_env="BFL_BASE_URL",
        default_base="https://api.bfl.ai/v1",
        adapter="bfl",
        default_model="flux-pro-1.1",
        models=tables.BFL,
        rules=(
            Rule(("flux", "ultra"), "flux-pro-1.1-ultra"),
            Rule(("flux", "kontext", "max"), "flux-kontext-max"),
            Rule(("flux", "kontext"), "flux-kontext-pro"),
            Rule(("flux", "2", "max"), "flux-2-max"),
            Rule(("flux", "2", "flex"), "flux-2-flex"),
            Rule(("flux", "2"), "flux-2-pro"),
            Rule(("flux", "dev"), "flux-dev"),
            Rule(("flux", "pro", "1.1"), "flux-pro-1.1"),
            Rule(("flux",), "flux-pro-1.1"),
            Rule(("black", "forest"), "flux-pro-1.1"),
        ),
        known_names=("Flux Pro 1.1 Ultra", "FLUX.2 [pro]"),
    ),
    Provider(
        id="stability",
        display_name="Stability AI",
        aliases=("stability", "stabilityai", "stability-ai"),
        needs_key=True,
        base_url_env="STABILITY_BASE_URL",
        default_base="https://api.stability.ai",
        adapter="stability",
        default_model="sd3.5-large",
        models=tables.STABILITY,
        rules=(
            Rule(("stable", "image", "ultra"), "ultra"),
            Rule(("stable", "image", "core"), "core"),
            Rule(("stability", "ultra"), "ultra"),
            Rule(("stability", "core"), "core"),
            Rule(("3.5", "large", "turbo"), "sd3.5-large-turbo"),
            Rule(("3.5", "medium"), "sd3.5-medium"),
            Rule(("stable", "diffusion"), "sd3.5-large"),
            Rule(("sd3",), "sd3.5-large"),
            Rule(("sd3.5",), "sd3.5-large"),
            Rule(("stability",), "sd3.5-large"),
        ),
        known_names=("Stable Diffusion 3.5 Large", "Stable Image Ultra"),
    ),
    Provider(
        id="recraft",
        display_name="Recraft",
        aliases=("recraft",),
        needs_key=True,
        base_url_env="RECRAFT_BASE_URL",
        default_base="https://external.api.recraft.ai/v1",
        adapter="recraft",
        default_model="recraftv4_1",
        models=tables.RECRAFT,
        rules=(
            Rule(("recraft", "4.1", "flash"), "recraftv4_1_flash"),
            Rule(("recraft", "4.1"), "recraftv4_1"),
            Rule(("recraft", "4"), "recraftv4"),
            Rule(("recraft", "3"), "recraftv3"),
            Rule(("recraft",), "recraftv4_1"),
        ),
        known_names=("Recraft V4.1", "Recraft v3"),
    ),
    Provider(
        id="google",
        display_name="Google Gemini",
        aliases=("google", "gemini"),
        needs_key=True,
        base_url_env="GEMINI_BASE_URL",
        default_base="https://generativelanguage.googleapis.com/v1beta",
        adapter="gemini",
        default_model="gemini-3.1-flash-image",
        models=tables.GOOGLE,
        rules=(
            Rule(("gemini", "3", "pro"), "gemini-3-pro-image"),
            Rule(("nano", "banana", "pro"), "gemini-3-pro-image"),
            Rule(("gemini", "3.1", "flash", "lite"), "gemini-3.1-flash-lite-image"),
            Rule(("gemini", "3.1", "flash"), "gemini-3.1-flash-image"),
            Rule(("gemini", "2.5"), "gemini-2.5-flash-image"),
            Rule(("gemini",), "gemini-3.1-flash-image"),
            Rule(("nano", "banana"), "gemini-3.1-flash-image"),
            Rule(("imagen", "ultra"), "imagen-4.0-ultra-generate-001"),
            Rule(("imagen", "fast"), "imagen-4.0-fast-generate-001"),
            Rule(("imagen",), "imagen-4.0-generate-001"),
        ),
        known_names=("Gemini 3.1 Flash Image", "Gemini 3 Pro Image"),
        chat_model="gemini-3.6-flash",
    ),
    Provider(
        id="bedrock",
        display_name="Amazon Bedrock",
        aliases=("bedrock", "amazon-bedrock", "aws"),
        needs_key=False,  # the function's IAM role
        base_url_env="AWS_ENDPOINT_URL_BEDROCK_RUNTIME",
        default_base="",
        adapter="bedrock",
        default_model="stability.stable-image-core-v1:1",
        models=tables.BEDROCK,
        rules=(
            Rule(("nova", "canvas"), "amazon.nova-canvas-v1:0"),
            Rule(("stable", "image", "ultra", "bedrock"), "stability.stable-image-ultra-v1:1"),
            Rule(("stable", "image", "core", "bedrock"), "stability.stable-image-core-v1:1"),
            Rule(("3.5", "bedrock"), "stability.sd3-5-large-v1:0"),
            Rule(("sd3", "bedrock"), "stability.sd3-5-large-v1:0"),
            Rule(("titan", "image"), "amazon.titan-image-generator-v2:0"),
            Rule(("bedrock",), "stability.stable-image-core-v1:1"),
        ),
        known_names=("Stable Image Core (Bedrock)", "... (Bedrock)"),
        chat_model="amazon.nova-lite-v1:0",
        lookup_env="AWS_ENDPOINT_URL_BEDROCK",  # GetFoundationModel is on the control plane
        rules_first=True,
    ),
)

_BY_ID = {provider.id: provider for provider in REGISTRY}
_BY_ALIAS = {alias: provider for provider in REGISTRY for alias in (provider.id, *provider.aliases)}


def get(provider_id: str) -> Provider | None:
    return _BY_ID.get(provider_id)


def by_alias(name: str) -> Provider | None:
    """The provider a spelling of "provider/" names ("gemini", "black-forest-labs", ...)."""
    return _BY_ALIAS.get(name.lower())
