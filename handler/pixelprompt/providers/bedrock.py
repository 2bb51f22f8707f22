"""Amazon Bedrock runtime through boto3 and the function's IAM role (no API key).

Nova Canvas and the Stability models through InvokeModel, a chat model through Converse. The
endpoint comes from boto3's own configuration (AWS_ENDPOINT_URL_BEDROCK_RUNTIME in tests and
the local run). botocore's retries are switched off (total_max_attempts 1) and the retry loop
here does them instead, because botocore's loop knows nothing of the model's deadline and would
sleep past it, and because botocore's standard mode re-invokes after a read timeout or a dropped
connection (HTTPClientError), which would bill an image the model may already have made.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from dataclasses import replace
from typing import Any

from . import transport
from .base import GeneratedImage, GenerationRequest, ModelSpec, ProviderError
from .common import ENHANCE_INSTRUCTION, ENHANCE_MAX_TOKENS, clamp, mentions_moderation, moderated
from .images import from_base64
from .shapes import shape
from .transport import MAX_ATTEMPTS, NOT_RESENT, Caller, backoff, seconds

log = logging.getLogger("pixelprompt.providers")
WHO = Caller("Amazon Bedrock", "the function's IAM role")
# Read timeouts come from this ladder so that a handful of cached clients serve every deadline.
READ_TIMEOUTS = (0.5, 1.0, 2.0, 3.0, 5.0, 10.0, 20.0, 30.0, 60.0, 120.0, 300.0, 600.0, 900.0)
# Answers that botocore 1.44.8's standard retry mode retries for bedrock-runtime
# (retries/standard.py: throttling codes, HTTP 500/502/503/504, and ModelNotReadyException,
# modeled `retryable` in bedrock-runtime's service-2.json). ModelTimeoutException (408: the
# model ran out of time) and ServiceQuotaExceededException are not retried there, nor here.
RETRYABLE = frozenset(
    {
        "ThrottlingException",
        "ServiceUnavailableException",
        "InternalServerException",
        "ModelNotReadyException",
    }
)
# SD3.5's finish_reasons (docs.aws.amazon.com/bedrock, model-parameters-diffusion-3-5-large,
# read 2026-12-01): "Filter reason: prompt|output image|input image" are moderation;
# "Inference error" is the model failing.
FILTER_PREFIX = "Filter reason"
# The console's model-access page is retired: Bedrock models are enabled by default, and a
# third-party model subscribes through AWS Marketplace on its first call (model-access.md).
ACCESS_HINT = (
    "the role needs bedrock:InvokeModel on the model (and on its inference profile, for a "
    "us./eu./global. id); a third-party model also needs the aws-marketplace Subscribe and "
    "ViewSubscriptions permissions on its first call, and its subscription can take up to 15 "
    "minutes"
)

_clients: dict[tuple[Any, ...], Any] = {}
_clients_lock = threading.Lock()
_last_used: dict[int, float] = {}  # id(client) -> when a call on it last started or ended
_session: Any = None


def generate(
    spec: ModelSpec, api_key: str, request: GenerationRequest, deadline: float, key_label: str
) -> GeneratedImage:
    body = request_body(spec.model_id, request)

    def invoke(client: Any) -> dict[str, Any]:
        response = client.invoke_model(
            modelId=spec.model_id,
            body=json.dumps(body),
            contentType="application/json",
            accept="application/json",
        )
        return _json(response["body"].read())

    answer = call_with_retries(invoke, spec.model_id, deadline)
    return _image(answer)


def enhance(model: str, api_key: str, prompt: str, deadline: float, key_label: str) -> str:
    def converse(client: Any) -> dict[str, Any]:
        return client.converse(
            modelId=model,
            system=[{"text": ENHANCE_INSTRUCTION}],
            messages=[{"role": "user", "content": [{"text": prompt}]}],
            inferenceConfig={"maxTokens": ENHANCE_MAX_TOKENS, "temperature": 0.7},
        )

    answer = call_with_retries(converse, model, deadline)
    if answer.get("stopReason") in ("content_filtered", "guardrail_intervened"):
        raise moderated("Amazon Bedrock's content filters stopped the answer")
    content = answer.get("output", {}).get("message", {}).get("content") or []
    text = "".join(str(block.get("text", "")) for block in content if isinstance(block, dict))
    if not text.strip():
        raise ProviderError("Amazon Bedrock returned no text", code=ProviderError.BAD_RESPONSE)
    return text


def request_body(model_id: str, request: GenerationRequest) -> dict[str, Any]:
    if model_id.startswith("stability."):
        # Bedrock's Stability models take no steps or cfg_scale.
        return {
            "prompt": request.prompt,
            "mode": "text-to-image",
            "output_format": "png",
            **shape("bedrock", model_id, request.aspect_ratio, request.seed).fields,
        }
    config: dict[str, Any] = {
        **shape("bedrock", model_id, request.aspect_ratio, request.seed).fields,
        "quality": "standard",
        "numberOfImages": 1,
    }
    if request.guidance is not None:
        config["cfgScale"] = clamp(request.guidance, 1.1, 10.0)
    return {
        "taskType": "TEXT_IMAGE",
        "textToImageParams": {"text": request.prompt[:1024]},
        "imageGenerationConfig": config,
    }


def _image(answer: dict[str, Any]) -> GeneratedImage:
    """Nova: {"images": [...], "error"?}; Stability: {"images", "finish_reasons", "seeds"}."""
    reasons = [str(reason) for reason in answer.get("finish_reasons") or [] if reason]
    if reasons and reasons[0].startswith(FILTER_PREFIX):
        raise moderated(f"Amazon Bedrock's filter blocked the image ({reasons[0]})")
    if reasons:
        raise ProviderError(f"Amazon Bedrock failed to make the image ({reasons[0][:200]})")
    error = answer.get("error")
    if error:
        if mentions_moderation(str(error)):
            raise moderated(f"Amazon Bedrock's content filters blocked the image ({error})")
        raise ProviderError(f"Amazon Bedrock failed: {error}")
    images = answer.get("images")
    image = from_base64(images[0] if isinstance(images, list) and images else None, WHO)
    seeds = answer.get("seeds")
    seed = seeds[0] if isinstance(seeds, list) and seeds else None
    if isinstance(seed, int) and not isinstance(seed, bool):
        return replace(image, seed=seed)
    return image


def _json(raw: bytes) -> dict[str, Any]:
    try:
        body = json.loads(raw)
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise ProviderError(
            "Amazon Bedrock returned a malformed response (not a JSON object)",
            code=ProviderError.BAD_RESPONSE,
        )
    return body


def call_with_retries(call: Any, model_id: str, deadline: float) -> dict[str, Any]:
    """Run call(client), retrying throttling, 5xx and timeouts within the deadline."""
    from botocore.exceptions import BotoCoreError, ClientError

    started = time.monotonic()
    last: ProviderError | None = None
    for attempt in range(MAX_ATTEMPTS):
        bedrock = fitted_client(deadline)
        if bedrock is None:
            break
        drop_idle_connections(bedrock)
        try:
            return call(bedrock)
        except ClientError as exc:
            last = client_error(exc, model_id)
        except BotoCoreError as exc:
            last = botocore_error(exc, started)
        finally:
            _touch(bedrock)
        if not last.retryable or attempt + 1 >= MAX_ATTEMPTS:
            break
        delay = backoff(attempt)
        if time.monotonic() + delay >= deadline:
            break
        log.info("retrying Amazon Bedrock after %.2f s: %s", delay, last.code)
        time.sleep(delay)
    if last is not None and last.code == ProviderError.TIMEOUT and not last.retryable:
        raise last  # a read timeout: says why it was not sent again
    if last is None or last.code == ProviderError.TIMEOUT:
        raise ProviderError(
            f"Amazon Bedrock timed out after {seconds(time.monotonic() - started)}",
            code=ProviderError.TIMEOUT,
        )
    if last.retryable and last.code == ProviderError.RATE_LIMITED:
        raise ProviderError(
            f"rate limited by Amazon Bedrock after {attempt + 1} attempts",
            code=ProviderError.RATE_LIMITED,
        )
    raise last


def drop_idle_connections(bedrock: Any) -> None:
    """An invocation is not sent again when its connection breaks, so it must not go out on a
    pooled connection that sat idle long enough to be dead unseen (a frozen Lambda sandbox):
    past transport.STALE_AFTER the client's pool is closed first (the client stays usable)."""
    last = _touch(bedrock)
    if last is not None and time.monotonic() - last > transport.STALE_AFTER:
        bedrock.close()


def _touch(bedrock: Any) -> float | None:
    """Mark the client used now; the previous mark."""
    with _clients_lock:
        last = _last_used.get(id(bedrock))
        _last_used[id(bedrock)] = time.monotonic()
    return last


def fitted_client(deadline: float) -> Any | None:
    """A client whose connect + read timeouts end before the deadline, or None if none fits.

    Making the first client loads the service model (a few hundred ms), so the fit is checked
    again once the client exists.
    """
    for _ in range(2):
        budget = read_timeout(deadline - time.monotonic())
        if budget is None:
            return None
        bedrock = client(budget)
        if read_timeout(deadline - time.monotonic()) == budget:
            return bedrock
    return None


def read_timeout(remaining: float) -> float | None:
    """The largest rung of the ladder that still ends before the deadline."""
    fitting = [rung for rung in READ_TIMEOUTS if rung <= remaining]
    return fitting[-1] if fitting else None


def client_error(exc: Any, model_id: str) -> ProviderError:
    error = exc.response.get("Error", {})
    code = str(error.get("Code") or "")
    message = " ".join(str(error.get("Message") or "").split())[:300]
    if code == "ValidationException" and mentions_moderation(message):
        return moderated("Amazon Bedrock's content filters blocked this prompt")
    if code in ("AccessDeniedException", "UnrecognizedClientException"):
        return ProviderError(
            f"the function's IAM role may not invoke {model_id} on Amazon Bedrock ({code}: "
            f"{message}): {ACCESS_HINT}",
            code=ProviderError.AUTH,
        )
    if code == "ResourceNotFoundException":
        return ProviderError(
            f"Amazon Bedrock does not offer {model_id} in this region ({message})",
            code=ProviderError.UNKNOWN_MODEL,
        )
    if code in RETRYABLE:
        kind = (
            ProviderError.RATE_LIMITED
            if "Throttling" in code or "Quota" in code
            else ProviderError.UPSTREAM
        )
        return ProviderError(
            f"Amazon Bedrock failed ({code}): {message}", code=kind, retryable=True
        )
    return ProviderError(f"Amazon Bedrock rejected the request ({code}): {message}")


def botocore_error(exc: Any, started: float) -> ProviderError:
    from botocore.exceptions import (
        ConnectTimeoutError,
        EndpointConnectionError,
        HTTPClientError,
        NoCredentialsError,
        NoRegionError,
        ReadTimeoutError,
    )
    from botocore.parsers import ResponseParserError

    elapsed = seconds(time.monotonic() - started)
    if isinstance(exc, ConnectTimeoutError):  # nothing was sent
        return ProviderError(
            f"Amazon Bedrock timed out after {elapsed}", code=ProviderError.TIMEOUT, retryable=True
        )
    if isinstance(exc, ReadTimeoutError):  # the invocation was sent and may be running
        return ProviderError(
            f"Amazon Bedrock timed out after {elapsed}; {NOT_RESENT}", code=ProviderError.TIMEOUT
        )
    if isinstance(exc, HTTPClientError):  # e.g. ConnectionClosedError, after sending
        return ProviderError(
            f"the connection to Amazon Bedrock dropped after the request was sent; {NOT_RESENT}"
        )
    if isinstance(exc, ResponseParserError):
        return ProviderError(
            "Amazon Bedrock returned a malformed response", code=ProviderError.BAD_RESPONSE
        )
    if isinstance(exc, EndpointConnectionError):
        return ProviderError("could not connect to Amazon Bedrock", retryable=True)
    if isinstance(exc, NoCredentialsError):
        return ProviderError(
            "no AWS credentials for Amazon Bedrock: the function's role provides them",
            code=ProviderError.AUTH,
        )
    if isinstance(exc, NoRegionError):
        return ProviderError("no AWS region is set for Amazon Bedrock (set AWS_REGION)")
    return ProviderError(f"Amazon Bedrock call failed ({type(exc).__name__})")


def client(timeout: float) -> Any:
    """A cached bedrock-runtime client per (endpoint, region, timeout rung); made lazily, under
    a lock because boto3 sessions are not thread-safe."""
    key = (
        os.environ.get("AWS_ENDPOINT_URL_BEDROCK_RUNTIME"),
        os.environ.get("AWS_ENDPOINT_URL"),
        os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION"),
        timeout,
    )
    with _clients_lock:
        cached = _clients.get(key)
        if cached is None:
            import boto3
            from botocore.config import Config

            connect = min(5.0, timeout / 4)  # connect + read together stay within the rung
            config = Config(
                connect_timeout=connect,
                read_timeout=timeout - connect,
                retries={"mode": "standard", "total_max_attempts": 1},
                max_pool_connections=32,
            )
            global _session
            if _session is None:  # one session: its loader caches the service model
                _session = boto3.session.Session()
            # The key's endpoint and region, passed explicitly: the shared session must not
            # keep the values it saw first.
            cached = _session.client(
                "bedrock-runtime", region_name=key[2], endpoint_url=key[0], config=config
            )
            _clients[key] = cached
    return cached
