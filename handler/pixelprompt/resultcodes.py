"""The one list of per-model error codes: every result with status "error" carries one.

A result's `errorCode` says what kind of failure it was (a client may act on it: retry a
RATE_LIMITED model later, fix the key for AUTH); its `error` is the sentence a person reads,
specific to what happened. The sentences below are the fallback for a result without its own.
openapi.json (`ErrorCode`) and docs/ARCHITECTURE.md list the same codes; a test keeps them equal.
"""

from __future__ import annotations

from typing import Any

SENTENCES: dict[str, str] = {
    # The provider's answer (ProviderError codes, set by the adapters)
    "UNKNOWN_MODEL": "The provider does not know this model, or has retired it.",
    "MISSING_KEY": "No API key is configured for this model.",
    "AUTH": "The provider refused the API key, or the key may not use this model.",
    "MODERATED": "The provider's content filter refused the prompt or the image.",
    "RATE_LIMITED": "The provider's rate limit or quota was reached; try again later.",
    "TIMEOUT": "The provider did not answer in time.",
    "UPSTREAM": "The provider failed or refused the request.",
    "BAD_RESPONSE": "The provider's answer could not be read.",
    # What we did with the answer
    "BAD_IMAGE": "The provider's image is not a picture this service can use.",
    "STORAGE_FAILED": "The image was made but could not be stored.",
    "INTERNAL": "An internal error stopped this model.",
    # The job around the model
    "MISCONFIGURED": "The service is misconfigured, so the model was not run.",
    "NOT_STARTED": "The job could not be started.",
    "DEADLINE": "The model did not answer before the job's deadline.",
    "WORKER_STOPPED": "The worker stopped before this model finished.",
    "CANCELLED": "The job was cancelled before this model finished.",
}
FALLBACK = "UPSTREAM"


def known(code: Any) -> str:
    """`code` when it is on the list, else the generic provider failure."""
    return code if isinstance(code, str) and code in SENTENCES else FALLBACK


def error(code: str, message: str | None = None) -> dict[str, Any]:
    """The fields of an error result: status, errorCode and the sentence."""
    code = known(code)
    return {"status": "error", "errorCode": code, "error": message or SENTENCES[code]}
