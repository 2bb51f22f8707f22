"""The router's gate: the access token on every route, rate limits on every paid route."""

from __future__ import annotations

from typing import Any

from pixelprompt import access, aws, config, ratelimit
from pixelprompt.apigw import Request
from pixelprompt.router import Route


class Gate:
    def authorize(self, request: Request) -> None:
        access.check(config.get(), request.headers.get("authorization"))

    def admit(self, request: Request, route: Route) -> ratelimit.Ticket:
        cfg = config.get()
        cfg.require_bucket()
        return ratelimit.admit(aws.s3(), cfg, request.source_ip, scope=route.scope, what=route.what)

    def release(self, admission: Any) -> None:
        if isinstance(admission, ratelimit.Ticket):
            ratelimit.release(aws.s3(), config.get().bucket, admission)
