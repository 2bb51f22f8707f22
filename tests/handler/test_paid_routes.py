"""Every paid route is rate-limited by the router, with counters of its own, exactly."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from pixelprompt import config, ratelimit
from pixelprompt.api import app
from pixelprompt.apigw import Request
from pixelprompt.gate import Gate
from pixelprompt.router import Result, Router

from tests.handler.support import BUCKET


def _burst(call, make_event, n: int) -> list[tuple[int, dict, dict]]:
    start = threading.Barrier(n)

    def one(i: int) -> tuple[int, dict, dict]:
        ev = make_event(i)
        start.wait(10)
        return call(ev)

    with ThreadPoolExecutor(max_workers=n) as pool:
        return list(pool.map(one, range(n)))


def test_the_api_flags_generate_and_enhance_as_paid():
    assert {r.template for r in app.paid_routes()} >= {"/generate", "/enhance"}
    unpaid = {r.template for r in app.routes if not r.paid}
    assert "/enhance" not in unpaid and "/status/{jobId}" in unpaid


def test_twenty_simultaneous_enhances_at_limit_five_make_exactly_five_chat_calls(
    s3, set_env, event, call, fake_providers, slow_s3_writes
):
    # GIVEN a per-IP limit of 5
    set_env(IP_RATE_LIMIT="5", GLOBAL_RATE_LIMIT="1000")
    # WHEN one address asks for 20 enhancements at the same moment
    answers = _burst(
        call, lambda i: event("httpApiV2_enhance.json", body={"prompt": f"cat {i}"}), 20
    )
    # THEN exactly 5 are admitted and exactly 5 paid chat calls were made
    statuses = [status for status, _, _ in answers]
    assert (statuses.count(200), statuses.count(429)) == (5, 15)
    assert len(fake_providers.enhance_calls) == 5
    refused = [(b, h) for s, b, h in answers if s == 429]
    assert all(
        b["code"] == "RATE_LIMITED" and "prompt enhancements" in b["error"] for b, _ in refused
    )
    assert all(int(h["Retry-After"]) > 86000 for _, h in refused)


def test_twenty_simultaneous_enhances_at_global_limit_three_admit_three(
    s3, set_env, event, call, fake_providers, slow_s3_writes
):
    set_env(IP_RATE_LIMIT="1000", GLOBAL_RATE_LIMIT="3")
    answers = _burst(call, lambda i: event("httpApiV2_enhance.json", ip=f"203.0.113.{i}"), 20)
    assert [s for s, _, _ in answers].count(200) == 3
    assert len(fake_providers.enhance_calls) == 3


def test_enhance_and_generate_count_separately(s3, set_env, event, call, dispatched):
    # GIVEN one generate and one enhance allowed per address
    set_env(IP_RATE_LIMIT="1")
    assert call(event("httpApiV2_generate.json"))[0] == 202
    # WHEN the generate limit is used up, enhancing still works once, and then not again
    assert call(event("httpApiV2_enhance.json"))[0] == 200
    assert call(event("httpApiV2_enhance.json"))[0] == 429
    assert call(event("httpApiV2_generate.json"))[0] == 429
    keys = {o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET, Prefix="ratelimit/")["Contents"]}
    assert "ratelimit/global.json" in keys and "ratelimit/enhance/global.json" in keys


def test_a_refused_enhance_body_gives_its_slot_back(s3, set_env, event, call, fake_providers):
    set_env(IP_RATE_LIMIT="1")
    # GIVEN a bad body, refused before any paid work
    assert call(event("httpApiV2_enhance.json", body={"prompt": ""}))[0] == 400
    # THEN the one slot is still there for a good request
    assert call(event("httpApiV2_enhance.json"))[0] == 200


def test_a_failed_chat_call_keeps_its_slot(s3, set_env, event, call, fake_providers):
    from pixelprompt.providers.base import ProviderError

    set_env(IP_RATE_LIMIT="1")
    fake_providers.enhance_error = ProviderError("upstream broke", code="UPSTREAM")
    assert call(event("httpApiV2_enhance.json"))[0] == 502
    fake_providers.enhance_error = None
    # THEN the provider was asked (it may have billed): the slot stays used
    assert call(event("httpApiV2_enhance.json"))[0] == 429


def test_a_new_paid_route_is_limited_without_any_code_of_its_own(s3, set_env, event, call):
    # GIVEN a router with the real gate and a paid route that knows nothing about limits
    set_env(IP_RATE_LIMIT="2")
    router = Router(gate=Gate())
    ran: list[str] = []

    @router.post("/retry", paid=True)
    def retry(request: Request) -> Result:
        request.start_paid_work()
        ran.append(request.source_ip)
        return Result({"ok": True})

    ev = event("httpApiV2_generate.json", path="/retry")
    statuses = [router.resolve(ev)["statusCode"] for _ in range(4)]
    # THEN the router admitted two and refused the rest, from counters named after the route
    assert statuses == [200, 200, 429, 429]
    assert len(ran) == 2
    ip_key = ratelimit.ip_counter(config.get(), "203.0.113.10", "retry").key
    assert ip_key.startswith("ratelimit/retry/ip/")
    s3.head_object(Bucket=BUCKET, Key=ip_key)
