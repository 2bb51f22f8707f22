"""Private deployments: with an AccessToken set, every route needs `Authorization: Bearer <token>`.

The function holds only the token's SHA-256, never the token. Both sides are hashed before the
constant-time comparison, so neither the token's length nor its content leaks through timing.
This runs before any route does paid work or writes a counter; CORS preflight (OPTIONS) is
answered before it, as browsers send preflight without credentials.
"""

from __future__ import annotations

import hashlib
import hmac

from pixelprompt.config import Config
from pixelprompt.errors import ServiceUnavailable, Unauthorized

CHALLENGE = {"WWW-Authenticate": 'Bearer realm="pixelprompt"'}
MAX_TOKEN_CHARS = 1024


def sha256_hex(token: str) -> str:
    """The form deploy.py stores: lower-case hex of the UTF-8 token's SHA-256."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def bearer(authorization: str | None) -> str | None:
    """The token of an `Authorization: Bearer <token>` header (scheme case-insensitive)."""
    scheme, _, token = (authorization or "").strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or len(token) > MAX_TOKEN_CHARS:
        return None
    return token


def check(cfg: Config, authorization: str | None) -> None:
    """Return when the request may go on; raise 401 (or 503 when misconfigured) otherwise."""
    if cfg.access_problem:
        raise ServiceUnavailable(cfg.access_problem, code="CONFIG_ERROR")
    if not cfg.access_token_sha256:
        return  # a public deployment
    token = bearer(authorization)
    if token is None:
        raise Unauthorized(
            "This deployment is private: send its access token as 'Authorization: Bearer <token>'.",
            code="TOKEN_REQUIRED",
            headers=CHALLENGE,
        )
    given = hashlib.sha256(token.encode("utf-8", "surrogatepass")).digest()
    if not hmac.compare_digest(given, bytes.fromhex(cfg.access_token_sha256)):
        raise Unauthorized(
            "The access token is not right for this deployment.",
            code="TOKEN_INVALID",
            headers=CHALLENGE,
        )
