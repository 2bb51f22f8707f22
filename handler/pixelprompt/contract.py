"""The API contract and deploy-time names, written once.

The handler, the template (infra/), the deployer, openapi.json's tests and the web tests' fake
API all read these values; tests fail when any of them disagrees. Pure Python with no imports
beyond the standard library, so it costs nothing at cold start.

To add an HTTP route: append a `Route` to `ROUTES`, register the handler function of the same
name in `pixelprompt.api`, and document the operation (same operationId) in openapi.json.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Route:
    """One HTTP route: API Gateway's route key, the handler function, the OpenAPI operation."""

    method: str  # GET, POST, ...
    path: str  # API Gateway syntax: /status/{jobId}
    handler: str  # the function's name in pixelprompt.api
    operation_id: str  # its operationId in openapi.json
    rate_limited: bool = False  # spends provider money, so admitted by pixelprompt.ratelimit
    # The logical id a deployed stack already holds for this route (leave unset for new routes).
    # Renaming a route's resource makes CloudFormation create the new one before deleting the
    # old, and API Gateway refuses a second route with the same key (409 ConflictException),
    # so the update would roll back: routes that shipped keep the id they shipped with.
    deployed_id: str | None = None

    @property
    def key(self) -> str:
        """API Gateway's RouteKey, e.g. "POST /generate"."""
        return f"{self.method} {self.path}"

    @property
    def logical_id(self) -> str:
        """The route's CloudFormation logical id, tied to the route and never to its position
        in ROUTES, so adding or moving a route renames (and so replaces) no other one.
        Made from the method and path ("RoutePostVote") unless `deployed_id` is set."""
        if self.deployed_id:
            return self.deployed_id
        words = re.findall(r"[A-Za-z0-9]+", f"{self.method.lower()} {self.path}")
        return "Route" + "".join(word[0].upper() + word[1:] for word in words)


ROUTES: tuple[Route, ...] = (
    Route("POST", "/generate", "generate", "generate", rate_limited=True, deployed_id="Route1"),
    Route("GET", "/status/{jobId}", "status", "getStatus", deployed_id="Route2"),
    Route("POST", "/enhance", "enhance", "enhance", deployed_id="Route3"),
    Route("GET", "/gallery/list", "gallery_list", "listGalleries", deployed_id="Route4"),
    Route("GET", "/gallery/{galleryId}", "gallery_get", "getGallery", deployed_id="Route5"),
    Route("POST", "/log", "client_log", "clientLog", deployed_id="Route6"),
    Route("GET", "/models", "list_models", "listModels"),
    # The arena: run control (retry is paid, like a /generate of one model) and blind votes.
    Route("POST", "/jobs/{jobId}/retry", "retry_model", "retryModel", rate_limited=True),
    Route("POST", "/jobs/{jobId}/cancel", "cancel_job", "cancelJob"),
    Route("POST", "/jobs/{jobId}/vote", "vote_on_job", "voteOnJob"),
    Route("GET", "/jobs/{jobId}/vote", "get_vote", "getVote"),
    Route("GET", "/leaderboard", "get_leaderboard", "getLeaderboard"),
    Route("GET", "/votes", "export_votes", "exportVotes"),
)


@dataclass(frozen=True)
class Cors:
    """What browsers on other origins may do. API Gateway answers preflight with it; the
    handler repeats the parts a browser reads on the real answer."""

    allow_origins: tuple[str, ...] = ("*",)
    allow_methods: tuple[str, ...] = ("GET", "POST", "OPTIONS")
    allow_headers: tuple[str, ...] = (
        "Content-Type",
        "Authorization",
        "X-Correlation-ID",
        "X-Requested-With",
    )
    # Headers a page may read: the wait of a 429 and the request's correlation id.
    expose_headers: tuple[str, ...] = ("Retry-After", "X-Correlation-ID")
    max_age_seconds: int = 86400

    def response_headers(self) -> dict[str, str]:
        """Headers on every API answer."""
        return {
            "Access-Control-Allow-Origin": ", ".join(self.allow_origins),
            "Access-Control-Expose-Headers": ", ".join(self.expose_headers),
        }

    def preflight_headers(self) -> dict[str, str]:
        """Headers of an OPTIONS answer, on top of `response_headers`."""
        return {
            "Access-Control-Allow-Methods": ", ".join(self.allow_methods),
            "Access-Control-Allow-Headers": ", ".join(self.allow_headers),
            "Access-Control-Max-Age": str(self.max_age_seconds),
        }


CORS = Cors()

# How many model slots a stack has (template parameters Model1Name..Model20Name).
MAX_MODELS = 20

# The function is named "<stack name><FUNCTION_NAME_SUFFIX>"; Lambda names stop at 64 characters.
FUNCTION_NAME_SUFFIX = "-generator"
MAX_FUNCTION_NAME = 64


class Env:
    """The function's environment variable names (the template sets them, config reads them)."""

    MODEL_COUNT = "MODEL_COUNT"
    PROMPT_MODEL_INDEX = "PROMPT_MODEL_INDEX"
    GLOBAL_RATE_LIMIT = "GLOBAL_RATE_LIMIT"
    IP_RATE_LIMIT = "IP_RATE_LIMIT"
    IP_WHITELIST = "IP_WHITELIST"
    S3_BUCKET = "S3_BUCKET"
    CLOUDFRONT_DOMAIN = "CLOUDFRONT_DOMAIN"
    ENVIRONMENT = "ENVIRONMENT"
    # The stack's secret (keys, rate-limit HMAC key): its ARN, and a version that changes
    # with its content. No key is ever an environment variable.
    PROVIDER_SECRET_ARN = "PROVIDER_SECRET_ARN"
    PROVIDER_SECRET_VERSION = "PROVIDER_SECRET_VERSION"

    @staticmethod
    def model_name(slot: int) -> str:
        return f"MODEL_{slot}_NAME"
