"""The HTTP API's CORS configuration applied the way API Gateway applies it.

With CORS configured, API Gateway answers preflight OPTIONS itself (even without an OPTIONS
route) and adds the CORS headers to integration responses, ignoring any the backend sent.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class CorsConfig:
    allow_origins: tuple[str, ...] = ()
    allow_methods: tuple[str, ...] = ()
    allow_headers: tuple[str, ...] = ()
    expose_headers: tuple[str, ...] = ()
    max_age: int | None = None
    allow_credentials: bool = False

    @classmethod
    def from_api(cls, cors: Mapping[str, Any] | None) -> CorsConfig | None:
        """From apigatewayv2 get_api's CorsConfiguration; None when the API has none."""
        if not cors:
            return None
        return cls(
            allow_origins=tuple(cors.get("AllowOrigins") or ()),
            allow_methods=tuple(m.upper() for m in cors.get("AllowMethods") or ()),
            allow_headers=tuple(h.lower() for h in cors.get("AllowHeaders") or ()),
            expose_headers=tuple(cors.get("ExposeHeaders") or ()),
            max_age=cors.get("MaxAge"),
            allow_credentials=bool(cors.get("AllowCredentials")),
        )

    def origin_value(self, origin: str) -> str | None:
        """The Access-Control-Allow-Origin to send for this Origin, or None if not allowed."""
        if origin in self.allow_origins:
            return origin
        if "*" in self.allow_origins:
            # With credentials the wildcard may not be echoed as "*".
            return origin if self.allow_credentials else "*"
        return None

    def _method_allowed(self, method: str) -> bool:
        return "*" in self.allow_methods or method.upper() in self.allow_methods

    def _headers_allowed(self, requested: list[str]) -> bool:
        return "*" in self.allow_headers or all(h in self.allow_headers for h in requested)

    def preflight(self, headers: Mapping[str, str]) -> list[tuple[str, str]]:
        """Headers of the 204 answer to a preflight; empty when the preflight is not allowed.

        `headers` are the request headers with lower-case names.
        """
        origin = headers.get("origin")
        method = headers.get("access-control-request-method", "")
        requested = [
            h.strip().lower()
            for h in headers.get("access-control-request-headers", "").split(",")
            if h.strip()
        ]
        if not origin:
            return []
        allow_origin = self.origin_value(origin)
        if not allow_origin or not self._method_allowed(method):
            return []
        if not self._headers_allowed(requested):
            return []
        out = [("Access-Control-Allow-Origin", allow_origin)]
        methods = (method.upper(),) if "*" in self.allow_methods else self.allow_methods
        out.append(("Access-Control-Allow-Methods", ",".join(methods)))
        if requested:
            allowed = requested if "*" in self.allow_headers else list(self.allow_headers)
            out.append(("Access-Control-Allow-Headers", ",".join(allowed)))
        if self.max_age is not None:
            out.append(("Access-Control-Max-Age", str(self.max_age)))
        if self.allow_credentials:
            out.append(("Access-Control-Allow-Credentials", "true"))
        if allow_origin != "*":
            out.append(("Vary", "Origin"))
        return out

    def actual(self, headers: Mapping[str, str]) -> list[tuple[str, str]]:
        """CORS headers added to a non-preflight response."""
        origin = headers.get("origin")
        if not origin:
            return []
        allow_origin = self.origin_value(origin)
        if not allow_origin:
            return []
        out = [("Access-Control-Allow-Origin", allow_origin)]
        if self.expose_headers:
            out.append(("Access-Control-Expose-Headers", ",".join(self.expose_headers)))
        if self.allow_credentials:
            out.append(("Access-Control-Allow-Credentials", "true"))
        if allow_origin != "*":
            out.append(("Vary", "Origin"))
        return out


def is_preflight(method: str, headers: Mapping[str, str]) -> bool:
    return (
        method.upper() == "OPTIONS"
        and "origin" in headers
        and "access-control-request-method" in headers
    )
