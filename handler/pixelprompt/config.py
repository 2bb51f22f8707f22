"""Configuration, read from the environment once per cold start and validated.

The environment holds model names and settings, never keys: a slot's key comes from the
stack's secret (pixelprompt.secret), read the first time a key is needed.

Misconfiguration never raises: problems are collected, logged once, and the routes that need
the broken part answer 503 CONFIG_ERROR with the problem in a sentence.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field

from pixelprompt import secret
from pixelprompt.contract import MAX_MODELS, Env
from pixelprompt.errors import ServiceUnavailable
from pixelprompt.log import event, get_logger

_log = get_logger("config")


@dataclass(frozen=True)
class ModelSlot:
    index: int  # 1-based slot number, as in MODEL_{n}_NAME
    name: str  # exactly as configured

    @property
    def key(self) -> str:
        """This slot's API key from the stack's secret ("" when it has none)."""
        return secret.provider_key(self.index)


@dataclass(frozen=True)
class Config:
    models: tuple[ModelSlot, ...]
    prompt_model_index: int
    global_rate_limit: int  # per rolling hour, all clients; 0 = no limit
    ip_rate_limit: int  # per rolling day, per IP; 0 = no limit
    ip_whitelist: frozenset[str]
    bucket: str
    image_base_url: str
    problems: tuple[str, ...] = field(default=())  # break /generate and the worker
    prompt_model_problem: str | None = None  # breaks /enhance only

    @property
    def prompt_model(self) -> ModelSlot:
        if self.prompt_model_problem:
            raise ServiceUnavailable(self.prompt_model_problem, code="CONFIG_ERROR")
        return self.models[self.prompt_model_index - 1]

    def require_models(self) -> None:
        if self.problems:
            raise ServiceUnavailable(
                "The service is misconfigured: " + "; ".join(self.problems) + ".",
                code="CONFIG_ERROR",
            )

    def require_bucket(self) -> None:
        if not self.bucket:
            raise ServiceUnavailable(
                "The service is misconfigured: S3_BUCKET is not set.", code="CONFIG_ERROR"
            )


def image_base_url(domain: str) -> str:
    """CLOUDFRONT_DOMAIN: a bare domain means https://<domain>; a value with a scheme is kept."""
    domain = domain.strip().rstrip("/")
    if not domain:
        return ""
    return domain if "://" in domain else f"https://{domain}"


def _int(env: Mapping[str, str], name: str, default: int, problems: list[str]) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        problems.append(f"{name} is {raw!r}, not a whole number")
        return default


def _limit(env: Mapping[str, str], name: str, problems: list[str]) -> int:
    value = _int(env, name, 0, problems)
    if value < 0:
        problems.append(f"{name} is {value}, it must be 0 (no limit) or more")
        return 0
    return value


def _models(env: Mapping[str, str], problems: list[str]) -> tuple[ModelSlot, ...]:
    count = _int(env, Env.MODEL_COUNT, 0, problems)
    if not 1 <= count <= MAX_MODELS:
        problems.append(f"MODEL_COUNT is {count}, it must be between 1 and {MAX_MODELS}")
        count = max(0, min(count, MAX_MODELS))
    slots = []
    for n in range(1, count + 1):
        name = env.get(Env.model_name(n), "").strip()
        if not name:
            problems.append(f"MODEL_{n}_NAME is empty but MODEL_COUNT is {count}")
            continue
        slots.append(ModelSlot(index=n, name=name))
    return tuple(slots)


def _prompt_model_problem(index: int, models: tuple[ModelSlot, ...]) -> str | None:
    if not models or not 1 <= index <= len(models):
        return (
            f"The prompt model is misconfigured: PROMPT_MODEL_INDEX is {index}, "
            f"it must be between 1 and {len(models)}"
            + ("." if models else " (no models are configured).")
        )
    return None


def load(env: Mapping[str, str]) -> Config:
    """Build and validate a Config from an environment mapping (pure; no caching, no logging)."""
    problems: list[str] = []
    models = _models(env, problems)
    prompt_index = _int(env, Env.PROMPT_MODEL_INDEX, 1, problems)
    whitelist = frozenset(
        ip.strip() for ip in env.get(Env.IP_WHITELIST, "").split(",") if ip.strip()
    )
    return Config(
        models=models,
        prompt_model_index=prompt_index,
        global_rate_limit=_limit(env, Env.GLOBAL_RATE_LIMIT, problems),
        ip_rate_limit=_limit(env, Env.IP_RATE_LIMIT, problems),
        ip_whitelist=whitelist,
        bucket=env.get(Env.S3_BUCKET, "").strip(),
        image_base_url=image_base_url(env.get(Env.CLOUDFRONT_DOMAIN, "")),
        problems=tuple(problems),
        prompt_model_problem=_prompt_model_problem(prompt_index, models),
    )


_cached: Config | None = None
_lock = threading.Lock()


def get() -> Config:
    """The configuration for this execution environment, read and logged once."""
    global _cached
    with _lock:
        if _cached is None:
            _cached = load(os.environ)
            # The keys are registered with the log scrubber when the secret is read
            # (pixelprompt.secret): reading it here would cost every request a secret read.
            _report(_cached)
        return _cached


def reset() -> None:
    """Forget the cached configuration (tests change the environment between cases)."""
    global _cached
    with _lock:
        _cached = None
    secret.reset()


def _report(cfg: Config) -> None:
    problems = list(cfg.problems)
    if cfg.prompt_model_problem:
        problems.append(cfg.prompt_model_problem)
    if not cfg.bucket:
        problems.append("S3_BUCKET is not set")
    if problems:
        event(_log, logging.ERROR, "configuration problems", problems=problems)
    else:
        event(
            _log,
            logging.INFO,
            "configuration loaded",
            models=[m.name for m in cfg.models],
            promptModelIndex=cfg.prompt_model_index,
        )
