"""Amazon Bedrock runtime: POST /model/<modelId>/invoke and /model/<modelId>/converse."""

from __future__ import annotations

import random
import time

from .. import models
from ..drawing import draw
from ..errors import aws_error
from ..exchange import NOT_AN_IMAGE, TRUNCATED_JSON, Exchange, Reply, b64, json_reply
from ..faults import Fault
from ..state import Protocol, Route, State
from .text import enhanced

FILTER_MESSAGE = (
    "This request has been blocked by our content filters. Please adjust your text prompt to "
    "submit a new request."
)
# What Bedrock answers for a model at end of life (quoted in aws-samples/
# amazon-bedrock-ai-karaoke#21) and for an id it does not know (aws/aws-sdk-js-v3#6424).
END_OF_LIFE = (
    "This model version has reached the end of its life. Please refer to the AWS documentation "
    "for more details."
)
INVALID_ID = "The provided model identifier is invalid."
PROFILE_PREFIXES = ("us.", "eu.", "apac.", "global.")
PROFILE_ARN = "arn:aws:bedrock:us-east-1:123456789012:inference-profile/"
CHAT_PREFIXES = ("amazon.nova-", "us.amazon.nova-", "eu.amazon.nova-", "anthropic.", "meta.")


def check_auth(exchange: Exchange) -> Reply | None:
    # Any SigV4 signature is accepted; an unsigned call is refused as AWS would.
    if not exchange.header("Authorization").startswith("AWS4-HMAC-SHA256"):
        return aws_error(403, "MissingAuthenticationTokenException", "Missing Authentication Token")
    return None


def fault_reply(fault: Fault) -> Reply:
    if fault.mode == "401":
        return aws_error(
            403,
            "AccessDeniedException",
            "You don't have access to the model with the specified model ID.",
        )
    if fault.mode == "429":
        return aws_error(
            429, "ThrottlingException", "Too many requests, please wait before trying again."
        )
    return aws_error(500, "InternalServerException", "The server encountered an internal error.")


def bad_request(message: str) -> Reply:
    return aws_error(400, "ValidationException", message)


def base_model(model: str) -> str:
    """A cross-Region inference profile id ("us.x") serves the foundation model x."""
    for prefix in PROFILE_PREFIXES:
        if model.startswith(prefix):
            return model[len(prefix) :]
    return model


def unavailable(model: str) -> Reply | None:
    """Bedrock's error for a shut-down or unknown model; None when the model is live."""
    state = models.state("bedrock", base_model(model))
    if state == "shut down":
        return aws_error(404, "ResourceNotFoundException", END_OF_LIFE)
    if state == "unknown":
        return bad_request(INVALID_ID)
    return None


def foundation_model(
    state: State, exchange: Exchange, params: dict[str, str], mode: str | None
) -> Reply:
    """GetFoundationModel (control plane): modelLifecycle and inference types."""
    model = params["model"]
    refused = (
        unavailable(model) if not model.startswith(PROFILE_PREFIXES) else bad_request(INVALID_ID)
    )
    if refused is not None:
        return refused
    lifecycle = models.state("bedrock", model)
    return json_reply(
        200,
        {
            "modelDetails": {
                "modelArn": f"arn:aws:bedrock:us-east-1::foundation-model/{model}",
                "modelId": model,
                "modelName": model,
                "providerName": "Stability AI" if model.startswith("stability.") else "Amazon",
                "inputModalities": ["TEXT"],
                "outputModalities": ["TEXT" if model in _chat_models() else "IMAGE"],
                "responseStreamingSupported": False,
                "customizationsSupported": [],
                "inferenceTypesSupported": ["ON_DEMAND"],
                "modelLifecycle": {"status": "LEGACY" if lifecycle == "legacy" else "ACTIVE"},
            }
        },
    )


def inference_profile(
    state: State, exchange: Exchange, params: dict[str, str], mode: str | None
) -> Reply:
    """GetInferenceProfile: a system-defined cross-Region profile for a live model."""
    profile = params["profile"]
    if not profile.startswith(PROFILE_PREFIXES) or not models.alive("bedrock", base_model(profile)):
        return aws_error(
            404, "ResourceNotFoundException", f"The inference profile {profile} was not found."
        )
    arn = f"arn:aws:bedrock:us-east-1::foundation-model/{base_model(profile)}"
    return json_reply(
        200,
        {
            "inferenceProfileName": profile,
            "inferenceProfileArn": f"{PROFILE_ARN}{profile}",
            "inferenceProfileId": profile,
            "models": [{"modelArn": arn}],
            "status": "ACTIVE",
            "type": "SYSTEM_DEFINED",
        },
    )


def _chat_models() -> set[str]:
    return {m.id for m in models.registry().get("bedrock").models if m.kind == "chat"}


def invoke(state: State, exchange: Exchange, params: dict[str, str], mode: str | None) -> Reply:
    model = params["model"]
    refused = unavailable(model)
    if refused is not None:
        return refused
    body = exchange.json()
    if mode == "moderation":
        return bad_request(FILTER_MESSAGE)
    if "nova-canvas" in model:
        return _nova(model, body, mode)
    if model.startswith("stability."):
        return _stability(model, body, mode)
    return bad_request("The provided model identifier is invalid.")


def converse(state: State, exchange: Exchange, params: dict[str, str], mode: str | None) -> Reply:
    model = params["model"]
    refused = unavailable(model)
    if refused is not None:
        return refused
    if mode == "malformed":
        return Reply(200, TRUNCATED_JSON)
    body = exchange.json()
    prompt = _user_text(body.get("messages"))
    if prompt is None:
        return bad_request("messages must hold a user message with text content")
    if not model.startswith(CHAT_PREFIXES):
        return bad_request("The provided model doesn't support conversation.")
    if mode == "moderation":
        return bad_request(FILTER_MESSAGE)
    filtered = mode == "block200"
    text = "Sorry, the model cannot answer that." if filtered else enhanced(prompt, model)
    started = time.monotonic()
    return json_reply(
        200,
        {
            "output": {"message": {"role": "assistant", "content": [{"text": text}]}},
            "stopReason": "content_filtered" if filtered else "end_turn",
            "usage": {
                "inputTokens": len(prompt.split()),
                "outputTokens": 40,
                "totalTokens": len(prompt.split()) + 40,
            },
            "metrics": {"latencyMs": int((time.monotonic() - started) * 1000) + 1},
        },
    )


def _nova(model: str, body: dict, mode: str | None) -> Reply:
    params = body.get("textToImageParams") or {}
    text = params.get("text") if isinstance(params, dict) else None
    if (
        body.get("taskType") != "TEXT_IMAGE"
        or not isinstance(text, str)
        or not 1 <= len(text) <= 1024
    ):
        return bad_request("textToImageParams.text must be 1 to 1024 characters for TEXT_IMAGE")
    if mode == "block200":
        return json_reply(
            200,
            {
                "images": [],
                "error": "All of the generated images have been blocked by our content filters.",
            },
        )
    config = body.get("imageGenerationConfig")
    size = None
    if isinstance(config, dict) and isinstance(config.get("width"), int):
        size = f"{config['width']}x{config.get('height')}"
    image = NOT_AN_IMAGE if mode == "malformed" else draw(text, model, "png", size)
    return json_reply(200, {"images": [b64(image)]})


def _stability(model: str, body: dict, mode: str | None) -> Reply:
    prompt = body.get("prompt")
    if not isinstance(prompt, str) or not prompt.strip():
        return bad_request("prompt is required")
    seed = int(body.get("seed") or 0) or random.randint(1, 4294967294)
    if mode == "block200":
        return json_reply(
            200, {"seeds": [seed], "finish_reasons": ["Filter reason: prompt"], "images": []}
        )
    fmt = str(body.get("output_format") or "png").lower()
    ratio = body.get("aspect_ratio") if isinstance(body.get("aspect_ratio"), str) else None
    image = NOT_AN_IMAGE if mode == "malformed" else draw(prompt, model, fmt, ratio)
    return json_reply(200, {"seeds": [seed], "finish_reasons": [None], "images": [b64(image)]})


def _user_text(messages: object) -> str | None:
    if not isinstance(messages, list):
        return None
    for message in reversed(messages):
        if isinstance(message, dict) and message.get("role") == "user":
            blocks = message.get("content") or []
            texts = [str(b["text"]) for b in blocks if isinstance(b, dict) and "text" in b]
            return " ".join(texts) if texts else None
    return None


PROTOCOL = Protocol(
    provider="bedrock",
    routes=(
        Route("POST", r"^/model/(?P<model>[^/]+)/invoke$", invoke),
        Route("POST", r"^/model/(?P<model>[^/]+)/converse$", converse),
        Route("GET", r"^/foundation-models/(?P<model>[^/]+)$", foundation_model),
        Route("GET", r"^/inference-profiles/(?P<profile>[^/]+)$", inference_profile),
    ),
    check_auth=check_auth,
    fault_reply=fault_reply,
    bad_request=bad_request,
)
