"""A private, budgeted deployment run locally end to end: deploy.py --local, HTTP only.

The access token is a canary: after the run it must appear nowhere -- not in the process output
(deploy and outputs tables, function logs), the outputs file, any HTTP answer, nor the deployed
function's configuration, which holds only its SHA-256.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from local.driver import LocalStack, local_stack, parameters

pytestmark = pytest.mark.e2e

TOKEN = f"ppc-token-{secrets.token_hex(12)}"
BEARER = {"Authorization": f"Bearer {TOKEN}"}
# Both report what they cost (BFL `cost` 4 credits, Recraft 40 units in the simulator), and the
# price table's estimate for each is $0.04: one job is estimated at $0.08.
MODELS = [("bfl/flux-pro-1.1", "sk-bfl-private-run"), ("recraft/recraftv3", "sk-recraft-private")]
JOB_ESTIMATE = 0.08
BUDGET_JOBS = 2


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    params = parameters(MODELS)
    params["Parameters"].update(AccessToken=TOKEN, DailyBudgetUsd=BUDGET_JOBS * JOB_ESTIMATE)
    with local_stack(params, tmp_path_factory.mktemp("private")) as running:
        running.control("DELETE", "/_control/faults")
        yield running


def test_without_the_token_every_route_is_401_json(stack: LocalStack) -> None:
    for method, path, body in [
        ("POST", "/generate", {"prompt": "a lighthouse"}),
        ("POST", "/enhance", {"prompt": "a lighthouse"}),
        ("GET", "/status/0b9c2f61-2f6a-4c39-9d0e-3d5f8d6f2a10", None),
        ("GET", "/gallery/list", None),
    ]:
        reply = stack.call(method, path, body)
        assert reply.status == 401, (path, reply)
        assert set(reply.json()) == {"error", "code"}
    wrong = stack.call("POST", "/generate", {"prompt": "x"}, headers={"Authorization": "Bearer no"})
    assert (wrong.status, wrong.json()["code"]) == (401, "TOKEN_INVALID")


def test_preflight_works_without_the_token(stack: LocalStack) -> None:
    reply = stack.call(
        "OPTIONS",
        "/generate",
        headers={
            "Origin": "https://example.org",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization,content-type",
        },
    )
    assert reply.status in (200, 204), reply
    assert "authorization" in reply.headers["access-control-allow-headers"].lower()


def test_with_the_token_the_budget_admits_exactly_its_jobs_and_shows_their_cost(
    stack: LocalStack,
) -> None:
    # WHEN eight clients ask at once with the token, against a budget of two jobs' estimates
    start = threading.Barrier(8)

    def one(i: int) -> Any:
        start.wait(10)
        return stack.call(
            "POST", "/generate", {"prompt": f"a lighthouse {i}"}, headers=BEARER,
            source=f"127.0.0.{10 + i}",
        )  # fmt: skip

    with ThreadPoolExecutor(max_workers=8) as pool:
        replies = list(pool.map(one, range(8)))
    # THEN exactly two are accepted; the rest are told the budget, the spend and the reset
    accepted = [r for r in replies if r.status == 202]
    refused = [r for r in replies if r.status == 429]
    assert (len(accepted), len(refused)) == (BUDGET_JOBS, 8 - BUDGET_JOBS), replies
    for reply in refused:
        body = reply.json()
        assert body["code"] == "BUDGET_EXHAUSTED"
        assert "budget of $0.16 is spent up to $0.16" in body["error"]
        assert "midnight UTC" in body["error"]
        assert 0 < int(reply.headers["retry-after"]) <= 86400
    # AND each finished card carries its measured cost, and the job its total
    for reply in accepted:
        record = stack.wait_terminal(reply.json()["jobId"], within_s=60, headers=BEARER)
        assert record["status"] == "completed", record
        assert [r["cost"] for r in record["results"]] == [
            {"usd": 0.04, "measured": True},
            {"usd": 0.04, "measured": True},
        ]
        assert record["cost"] == {"usd": 0.08, "measured": True}


def test_the_token_is_nowhere_but_in_the_stacks_secret(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    # Its own stack: it stops it to read everything the run wrote, which the others still use.
    params = parameters(MODELS)
    params["Parameters"].update(AccessToken=TOKEN)
    with local_stack(params, tmp_path_factory.mktemp("private-logs")) as stack:
        reply = stack.call("POST", "/generate", {"prompt": "a lighthouse"}, headers=BEARER)
        assert reply.status == 202, reply
        stack.wait_terminal(reply.json()["jobId"], within_s=60, headers=BEARER)
        lam = stack.client("lambda")
        described = lam.get_function_configuration(FunctionName=stack.outputs["FunctionName"])
        configuration = str(described)
        variables = described["Environment"]["Variables"]
        assert TOKEN not in configuration
        assert hashlib.sha256(TOKEN.encode()).hexdigest() not in configuration
        assert variables["ACCESS_TOKEN_REQUIRED"] == "true"
        held = stack.client("secretsmanager").get_secret_value(
            SecretId=variables["PROVIDER_SECRET_ARN"]
        )["SecretString"]
        assert json.loads(held)["accessToken"] == TOKEN
        stack.stop()
        stack.wait_output_closed()
        captured = stack.everything() + configuration  # the secret's own read is left out
    assert "LocalApiEndpoint" in captured and "jobId" in captured
    assert TOKEN not in captured and TOKEN.split("-")[-1] not in captured
