"""Key checks and model lookups: one cheap, non-billable, authenticated read per provider.

Used by deploy.py's preflight before any AWS change. Each call reads metadata or the account,
never generates anything:
- OpenAI   GET  /v1/models/{id}            (the model, with its shutdown_date)
- Gemini   GET  /v1beta/models/{id}        (the model, with supportedActions)
- BFL      GET  /v1/credits                (the key's credit balance; BFL has no model lookup)
- Stability GET /v1/user/balance           (the key's credits; no model lookup)
- Recraft  GET  /v1/users/me               (the key's account and credits; no model lookup)
- Bedrock  GetFoundationModel / GetInferenceProfile (modelLifecycle, on-demand support)
Where a provider cannot say whether the model exists, `model` is None and the caller falls
back to the lifecycle table. A provider that cannot be reached gives `reached=False`.
The API key is sent only in its header and never appears in a result.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

PROFILE_PREFIXES = ("us.", "eu.", "apac.", "global.", "jp.", "au.", "ca.", "us-gov.")


@dataclass(frozen=True)
class Probe:
    """What a provider said about one key and one model."""

    key: bool | None  # accepted / refused / not checked
    model: str | None = None  # "active" | "legacy" | "missing", or None: the provider cannot say
    detail: str = ""  # a short sentence for the table (never the key)
    reached: bool = True  # False: no usable answer (network, timeout, 5xx, throttling)
    shutdown_on: str | None = None  # a shutdown date the provider itself reported
    needs: str = ""  # something the model needs besides a key (inference profile, Marketplace)


@dataclass(frozen=True)
class Context:
    """Where the checks go: base-URL overrides (the simulator's env) and a boto3 session."""

    env: Mapping[str, str] = field(default_factory=dict)
    aws_session: Any = None  # boto3.Session; None: a default session
    region: str | None = None


def check(provider: Any, model_id: str, api_key: str, timeout: float, context: Any) -> Probe:
    ctx = context if isinstance(context, Context) else Context()
    probe = _PROBES[provider.id]
    try:
        return probe(provider, model_id, api_key, timeout, ctx)
    except Exception as exc:  # requests/botocore failures: the provider was not reached
        return Probe(None, reached=False, detail=_unreached(exc))


def _base(provider: Any, ctx: Context) -> str:
    value = ctx.env.get(provider.base_url_env) or os.environ.get(provider.base_url_env)
    return (value or provider.default_base).rstrip("/")


def _get(url: str, headers: dict[str, str], timeout: float) -> Any:
    import requests

    return requests.get(url, headers=headers, timeout=(min(3.0, timeout), timeout))


def _json(response: Any) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _answered(status: int, provider: Any) -> Probe | None:
    """Answers that say nothing about the key or the model: try again later."""
    if status == 429 or status >= 500:
        return Probe(None, reached=False, detail=f"{provider.display_name} answered HTTP {status}")
    return None


def _openai(provider: Any, model_id: str, key: str, timeout: float, ctx: Context) -> Probe:
    response = _get(
        f"{_base(provider, ctx)}/models/{model_id}", {"Authorization": f"Bearer {key}"}, timeout
    )
    status = response.status_code
    if status == 401:
        return Probe(False, detail="OpenAI refused the key (401)")
    if status == 404:
        return Probe(True, "missing", detail=f"OpenAI has no model {model_id} for this key (404)")
    if status == 200:
        body = _json(response) or {}
        shutdown = body.get("shutdown_date") if isinstance(body, dict) else None
        if shutdown:
            return Probe(
                True, "legacy", f"OpenAI shuts it down on {shutdown}", shutdown_on=shutdown
            )
        return Probe(True, "active")
    if status == 403:
        return Probe(True, None, detail="OpenAI denied access (403): check the project's access")
    return _answered(status, provider) or Probe(None, reached=False, detail=f"HTTP {status}")


def _gemini(provider: Any, model_id: str, key: str, timeout: float, ctx: Context) -> Probe:
    response = _get(f"{_base(provider, ctx)}/models/{model_id}", {"x-goog-api-key": key}, timeout)
    status = response.status_code
    body = _json(response)
    text = str(body)
    if status in (401, 403) or (status == 400 and "API_KEY_INVALID" in text):
        return Probe(False, detail=f"Google refused the key ({status})")
    if status == 404:
        return Probe(True, "missing", detail=f"Google has no model {model_id} (404 NOT_FOUND)")
    if status == 200:
        actions = body.get("supportedGenerationMethods") if isinstance(body, dict) else None
        if isinstance(actions, list) and actions and "generateContent" not in actions:
            return Probe(True, "missing", detail=f"{model_id} does not offer generateContent")
        return Probe(True, "active")
    return _answered(status, provider) or Probe(None, reached=False, detail=f"HTTP {status}")


def _account(path: str, header: Callable[[str], dict[str, str]]) -> Callable[..., Probe]:
    """A provider without a model lookup: check the key on its account or credits endpoint."""

    def probe(provider: Any, model_id: str, key: str, timeout: float, ctx: Context) -> Probe:
        response = _get(f"{_base(provider, ctx)}{path}", header(key), timeout)
        status = response.status_code
        if status in (401, 403):
            return Probe(False, detail=f"{provider.display_name} refused the key ({status})")
        if status == 200:
            body = _json(response)
            credits = body.get("credits") if isinstance(body, dict) else None
            detail = f"{credits:g} credits left" if isinstance(credits, int | float) else ""
            return Probe(True, None, detail=detail)
        return _answered(status, provider) or Probe(None, reached=False, detail=f"HTTP {status}")

    return probe


def _bedrock(provider: Any, model_id: str, key: str, timeout: float, ctx: Context) -> Probe:
    from botocore.config import Config
    from botocore.exceptions import ClientError

    session = ctx.aws_session
    if session is None:
        import boto3

        session = boto3.session.Session()
    endpoint = ctx.env.get(provider.lookup_env or "") or os.environ.get(provider.lookup_env or "")
    client = session.client(
        "bedrock",
        region_name=ctx.region or session.region_name,
        endpoint_url=endpoint or None,
        config=Config(
            connect_timeout=min(3.0, timeout),
            read_timeout=timeout,
            retries={"mode": "standard", "total_max_attempts": 1},
        ),
    )
    try:
        if model_id.startswith(PROFILE_PREFIXES):
            client.get_inference_profile(inferenceProfileIdentifier=model_id)
            return Probe(None, "active", detail="cross-Region inference profile")
        details = client.get_foundation_model(modelIdentifier=model_id)["modelDetails"]
    except ClientError as exc:
        return _bedrock_refusal(exc, model_id)
    return _bedrock_details(details, model_id)


def _bedrock_refusal(exc: Any, model_id: str) -> Probe:
    code = str(exc.response.get("Error", {}).get("Code") or "")
    if code in ("ResourceNotFoundException", "ValidationException"):
        return Probe(None, "missing", detail=f"Bedrock has no model {model_id} here ({code})")
    if code == "AccessDeniedException":
        return Probe(
            None, reached=False, detail="your AWS identity may not call bedrock:GetFoundationModel"
        )
    return Probe(None, reached=False, detail=f"Bedrock answered {code}")


def _bedrock_details(details: Mapping[str, Any], model_id: str) -> Probe:
    lifecycle = details.get("modelLifecycle") or {}
    status = str(lifecycle.get("status") or "ACTIVE").upper()
    ends = lifecycle.get("endOfLifeTime")  # botocore parses it into a datetime
    ends_on = ends.date().isoformat() if isinstance(ends, datetime) else None
    needs = []
    if "ON_DEMAND" not in (details.get("inferenceTypesSupported") or ["ON_DEMAND"]):
        needs.append(f"an inference profile (e.g. us.{model_id})")
    if str(details.get("providerName") or "Amazon") != "Amazon":
        needs.append("an AWS Marketplace subscription, made on the first call")
    if status == "LEGACY":
        when = f", end of life {ends_on}" if ends_on else ""
        return Probe(None, "legacy", f"Bedrock: LEGACY{when}", shutdown_on=ends_on,
                     needs="; ".join(needs))  # fmt: skip
    return Probe(None, "active", needs="; ".join(needs))


def _unreached(exc: Exception) -> str:
    name = type(exc).__name__
    if "Timeout" in name:
        return "no answer in time"
    return f"could not reach it ({name})"


_PROBES: dict[str, Callable[..., Probe]] = {
    "openai": _openai,
    "google": _gemini,
    "bfl": _account("/credits", lambda key: {"x-key": key, "accept": "application/json"}),
    "stability": _account("/v1/user/balance", lambda key: {"Authorization": f"Bearer {key}"}),
    "recraft": _account("/users/me", lambda key: {"Authorization": f"Bearer {key}"}),
    "bedrock": _bedrock,
}
