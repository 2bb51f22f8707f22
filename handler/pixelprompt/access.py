"""Private deployments: with an AccessToken set, every route needs `Authorization: Bearer <token>`.

The token is in the stack's secret (pixelprompt.secret), never in the function's environment.
Both sides are hashed before the constant-time comparison, so neither the token's length nor
its content leaks through timing. This runs before any route does paid work or writes a
counter; CORS preflight (OPTIONS) is answered before it, as browsers send preflight without
credentials.
"""

from __future__ import annotations

import hashlib
import hmac

from pixelprompt import secret
from pixelprompt.config import Config
from pixelprompt.errors import ServiceUnavailable, Unauthorized

CHALLENGE = {"WWW-Authenticate": 'Bearer realm="pixelprompt"'}
MAX_TOKEN_CHARS = 1024
SECRET_FIELD = "accessToken"


def _digest(token: str) -> bytes:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).digest()


def bearer(authorization: str | None) -> str | None:
    """The token of an `Authorization: Bearer <token>` header (scheme case-insensitive)."""
    scheme, _, token = (authorization or "").strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or len(token) > MAX_TOKEN_CHARS:
        return None
    return token


def expected_digest() -> bytes:
    """SHA-256 of the stack's token; fails closed (503) when the secret holds none."""
    token = secret.get().extra.get(SECRET_FIELD)
    if not isinstance(token, str) or not token.strip():
        raise ServiceUnavailable(
            "The service is misconfigured: this deployment is private but the stack's secret "
            "holds no access token; set AccessToken again and redeploy.",
            code="CONFIG_ERROR",
        )
    return _digest(token.strip())


def check(cfg: Config, authorization: str | None) -> None:
    """Return when the request may go on; raise 401 (or 503 when misconfigured) otherwise."""
    if not cfg.access_required:
        return  # a public deployment
    wanted = expected_digest()
    token = bearer(authorization)
    if token is None:
        raise Unauthorized(
            "This deployment is private: send its access token as 'Authorization: Bearer <token>'.",
            code="TOKEN_REQUIRED",
            headers=CHALLENGE,
        )
    if not hmac.compare_digest(_digest(token), wanted):
        raise Unauthorized(
            "The access token is not right for this deployment.",
            code="TOKEN_INVALID",
            headers=CHALLENGE,
        )
