"""The stack's secret: keys come from Secrets Manager, read once per execution environment."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading

import pytest
from pixelprompt import secret

from tests.handler.support import BUCKET, SALT


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every GetSecretValue the function makes (the ARNs asked for)."""
    seen: list[str] = []
    real = secret._read

    def counting(arn: str) -> secret.Secrets:
        seen.append(arn)
        return real(arn)

    monkeypatch.setattr(secret, "_read", counting)
    return seen


def test_keys_come_from_the_secret_not_the_environment(s3, set_env, event, call, fake_providers):
    # GIVEN a stale key variable in the environment (as an old deployment had)
    set_env(MODEL_1_KEY="env-key-must-not-be-used")
    # WHEN the prompt model (slot 1) is called
    call(event("httpApiV2_enhance.json"))
    # THEN it got slot 1's key from the secret
    assert [c[1] for c in fake_providers.enhance_calls] == ["key-1"]


def test_routes_that_need_no_key_do_not_read_the_secret(s3, event, call, reads):
    status, _, _ = call(event("httpApiV2_galleryList.json"))
    assert status == 200
    assert reads == []


def test_the_secret_is_read_once_per_environment_even_under_concurrency(
    s3, event, call, fake_providers, reads
):
    # GIVEN a fresh environment WHEN twenty enhance requests arrive at once
    errors: list[BaseException] = []

    def one() -> None:
        try:
            assert call(event("httpApiV2_enhance.json"))[0] == 200
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=one) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    # THEN every request used the key, and the secret was read exactly once
    assert errors == []
    assert len(fake_providers.enhance_calls) == 20
    assert len(reads) == 1


def test_a_changed_key_is_used_by_the_next_environment(s3, set_keys, event, call, fake_providers):
    call(event("httpApiV2_enhance.json"))
    # WHEN the key changes (a redeploy changes PROVIDER_SECRET_VERSION: new environments)
    set_keys({1: "key-1-rotated"})
    call(event("httpApiV2_enhance.json"))
    # THEN the next request sends the new key
    assert [c[1] for c in fake_providers.enhance_calls] == ["key-1", "key-1-rotated"]


def test_surrounding_whitespace_is_stripped_from_keys(s3, set_keys, event, call, fake_providers):
    set_keys({1: "  sk-padded\n"})
    call(event("httpApiV2_enhance.json"))
    assert [c[1] for c in fake_providers.enhance_calls] == ["sk-padded"]


def test_an_unreadable_secret_is_a_503_sentence_and_is_retried(
    s3, set_env, event, call, dispatched
):
    # GIVEN an ARN that names no secret
    set_env(PROVIDER_SECRET_ARN="arn:aws:secretsmanager:us-east-1:123456789012:secret:gone-AbCdEf")
    status, body, _ = call(event("httpApiV2_generate.json"))
    # THEN a clear configuration error, no job, no traceback
    assert (status, body["code"]) == (503, "CONFIG_ERROR")
    assert body["error"].startswith("The service is misconfigured: the stack's secret could not")
    assert "ResourceNotFoundException" in body["error"]
    assert dispatched == []


@pytest.mark.parametrize(
    ("text", "why"),
    [("not json", "not JSON"), ('["a"]', '"keys" object'), ('{"keys": []}', '"keys" object')],
)
def test_a_malformed_secret_says_what_is_wrong_without_its_content(text, why):
    with pytest.raises(secret.Unreadable) as raised:
        secret.parse(text)
    assert why in raised.value.message and text not in raised.value.message


def test_unknown_fields_are_kept_for_later_readers():
    parsed = secret.parse(json.dumps({"keys": {"2": "k"}, "accessTokenHash": "abc"}))
    assert parsed.key(2) == "k" and parsed.key(1) == ""
    assert parsed.extra == {"accessTokenHash": "abc"}


def test_rate_limit_objects_are_named_by_a_keyed_hash_of_the_address(s3, event, call, dispatched):
    # WHEN a client at 203.0.113.9 asks for a job
    assert call(event("httpApiV2_generate.json", ip="203.0.113.9"))[0] == 202
    names = [
        o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET, Prefix="ratelimit/ip/")["Contents"]
    ]
    # THEN its counter is named by HMAC(stack salt, ip), not by a plain hash anyone can redo
    keyed = hmac.new(SALT.encode(), b"203.0.113.9", hashlib.sha256).hexdigest()[:32]
    plain = hashlib.sha256(b"203.0.113.9").hexdigest()[:32]
    assert names == [f"ratelimit/ip/{keyed}.json"]
    assert plain not in names[0]
