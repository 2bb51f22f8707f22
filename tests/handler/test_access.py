"""Private deployments: every route needs the bearer token; without it 401 before any work."""

from __future__ import annotations

import boto3
import pytest
from pixelprompt import access

from tests.handler.support import BUCKET, SECRET_NAME, secret_string

TOKEN = "correct-horse-battery-staple-7f3a"
ROUTES = [
    ("httpApiV2_generate.json", None),
    ("httpApiV2_enhance.json", None),
    ("httpApiV2_status.json", "/status/0b9c2f61-2f6a-4c39-9d0e-3d5f8d6f2a10"),
    ("httpApiV2_galleryList.json", None),
    ("httpApiV2_log.json", None),
]


def _put_secret(text: str) -> None:
    boto3.client("secretsmanager", region_name="us-east-1").put_secret_value(
        SecretId=SECRET_NAME, SecretString=text
    )


@pytest.fixture
def private(s3, set_env):
    """A private deployment: the flag in the environment, the token in the stack's secret."""
    _put_secret(secret_string(access_token=TOKEN))
    set_env(ACCESS_TOKEN_REQUIRED="true")


def _keys(s3) -> list[str]:
    return [o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET).get("Contents", [])]


@pytest.mark.parametrize(("name", "path"), ROUTES)
def test_every_route_without_the_token_is_401_json(private, s3, event, call, name, path):
    status, body, headers = call(event(name, path=path))
    assert status == 401
    assert body["code"] == "TOKEN_REQUIRED" and "Bearer" in body["error"]
    assert headers["WWW-Authenticate"].startswith("Bearer")
    assert headers["Access-Control-Allow-Origin"] == "*"  # the page can read the 401


def test_a_wrong_token_is_401_and_nothing_is_written_or_called(
    private, s3, event, call, dispatched, fake_providers
):
    wrong = {"authorization": "Bearer not-the-token"}
    status, body, _ = call(event("httpApiV2_generate.json", headers=wrong))
    assert (status, body["code"]) == (401, "TOKEN_INVALID")
    status, _, _ = call(event("httpApiV2_enhance.json", headers=wrong))
    assert status == 401
    # THEN no job, no counter, no budget entry, no worker and no provider call
    assert _keys(s3) == []
    assert dispatched == [] and fake_providers.enhance_calls == []


def test_an_unknown_path_without_the_token_is_401_not_404(private, s3, event, call):
    assert call(event("httpApiV2_generate.json", path="/admin"))[0] == 401


def test_the_right_token_is_202_and_rate_limits_still_apply(
    private, s3, set_env, event, call, dispatched
):
    set_env(IP_RATE_LIMIT="1")
    good = {"authorization": f"Bearer {TOKEN}"}
    first = call(event("httpApiV2_generate.json", headers=good))
    second = call(event("httpApiV2_generate.json", headers=good))
    assert (first[0], second[0]) == (202, 429)
    job = first[1]["jobId"]
    ev = event("httpApiV2_status.json", path=f"/status/{job}", headers=good)
    assert call(ev)[0] == 200


def test_the_scheme_is_case_insensitive(private, s3, event, call, dispatched):
    headers = {"authorization": f"bearer {TOKEN}"}
    assert call(event("httpApiV2_generate.json", headers=headers))[0] == 202


def test_preflight_needs_no_token(private, s3, event, call):
    status, _, headers = call(event("httpApiV2_generate.json", method="OPTIONS"))
    assert status == 204
    assert "Authorization" in headers["Access-Control-Allow-Headers"]


def test_a_public_deployment_needs_no_token(s3, event, call, dispatched):
    assert call(event("httpApiV2_generate.json"))[0] == 202


def test_private_without_a_token_in_the_secret_fails_closed(s3, set_env, event, call, dispatched):
    # GIVEN the private flag but a secret with no token in it
    set_env(ACCESS_TOKEN_REQUIRED="true")
    status, body, _ = call(event("httpApiV2_generate.json"))
    # THEN nothing is served, with the fix in the sentence
    assert (status, body["code"]) == (503, "CONFIG_ERROR")
    assert "AccessToken" in body["error"]
    assert dispatched == []


def test_the_token_is_not_in_the_environment(private, s3, event, call, dispatched):
    import os

    call(event("httpApiV2_generate.json", headers={"authorization": f"Bearer {TOKEN}"}))
    assert all(TOKEN not in value for value in os.environ.values())


def test_the_token_never_reaches_a_log(private, s3, event, call, capsys, dispatched):
    call(event("httpApiV2_generate.json", headers={"authorization": f"Bearer {TOKEN}"}))
    call(event("httpApiV2_generate.json", headers={"authorization": "Bearer guess-123"}))
    out = capsys.readouterr()
    assert TOKEN not in out.out + out.err and "guess-123" not in out.out + out.err


@pytest.mark.parametrize(
    "header", [None, "", "Bearer", "Bearer ", "Basic abc", f"Token {TOKEN}", "Bearer " + "x" * 2000]
)
def test_malformed_headers_carry_no_token(header):
    assert access.bearer(header) is None


def test_a_new_token_in_the_secret_replaces_the_old_one(private, s3, set_env, event, call):
    # GIVEN the token changed in the secret and a new execution environment
    _put_secret(secret_string(access_token="the-next-token-0123456789"))
    set_env(ACCESS_TOKEN_REQUIRED="true")
    old = call(event("httpApiV2_galleryList.json", headers={"authorization": f"Bearer {TOKEN}"}))
    new = call(
        event(
            "httpApiV2_galleryList.json",
            headers={"authorization": "Bearer the-next-token-0123456789"},
        )
    )
    # THEN only the new token opens the API
    assert (old[0], new[0]) == (401, 200)
