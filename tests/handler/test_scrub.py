"""Keys are scrubbed in every form a provider might echo them: exact, URL-encoded, base64 and
JSON-escaped, wherever they sit in the text."""

from __future__ import annotations

import base64
import json
import logging
from urllib.parse import quote, quote_plus

import pytest
from pixelprompt import log, scrub

CANARY = "sk-canary+/=Q7w9e8r6t5y4u3i2o1"


def encoded_forms(key: str) -> dict[str, str]:
    raw = key.encode()
    return {
        "exact": key,
        "url-encoded": quote(key, safe=""),
        "url-encoded, lower-case hex": quote(key, safe="")
        .replace("%2B", "%2b")
        .replace("%2F", "%2f"),
        "form-encoded": quote_plus(key, safe=""),
        "url-encoded twice": quote(quote(key, safe=""), safe=""),
        "base64": base64.b64encode(raw).decode(),
        "base64 url-safe": base64.urlsafe_b64encode(raw).decode(),
        "base64 of a Basic credential": base64.b64encode(b"user:" + raw).decode(),
        "base64 of Bearer header, offset 1": base64.b64encode(b"Bearer " + raw).decode(),
        "base64 inside a bigger body": base64.b64encode(b'{"key":"' + raw + b'"}').decode(),
        "JSON-escaped": json.dumps(key)[1:-1],
        "JSON-escaped with escaped slashes": json.dumps(key)[1:-1].replace("/", "\\/"),
    }


def leaks(text: str, key: str) -> list[str]:
    """The forms of `key` still readable in `text` (base64 decoded at each alignment)."""
    found = [name for name, form in encoded_forms(key).items() if form in text]
    for token in text.replace('"', " ").split():
        for start in range(4):
            chunk = token[start:]
            chunk = chunk[: len(chunk) - len(chunk) % 4]
            for decode in (base64.b64decode, base64.urlsafe_b64decode):
                try:
                    if key.encode() in decode(chunk + "=="):
                        found.append(f"base64 in {token[:20]}")
                except ValueError:
                    pass
    return found


@pytest.mark.parametrize("form", list(encoded_forms(CANARY)))
def test_every_form_of_the_key_is_scrubbed(form: str) -> None:
    text = f"provider said: invalid key {encoded_forms(CANARY)[form]} (request abc)"
    cleaned = scrub.scrub(text, [CANARY])
    assert leaks(cleaned, CANARY) == [], cleaned
    assert cleaned.startswith("provider said: invalid key ") and "(request abc)" in cleaned


def test_plain_keys_and_several_keys_at_once() -> None:
    keys = ["plainkey1234567890", "other-key-abcdef"]
    text = (
        " ".join(encoded_forms(keys[0]).values())
        + " "
        + base64.b64encode(keys[1].encode()).decode()
    )
    cleaned = scrub.scrub(text, keys)
    assert all(leaks(cleaned, k) == [] for k in keys), cleaned


def test_text_without_the_key_is_unchanged_and_short_keys_are_left_alone() -> None:
    text = "a perfectly ordinary message about abc"
    assert scrub.scrub(text, [CANARY]) == text
    assert scrub.scrub(text, ["abc"]) == text
    assert scrub.scrub("", [CANARY]) == ""


def test_registered_keys_never_reach_a_log_line(capsys) -> None:
    scrub.register([CANARY])
    logger = log.get_logger("test-scrub")
    for name, form in encoded_forms(CANARY).items():
        log.event(logger, logging.ERROR, f"provider echoed {form}", field=form, form=name)
    try:
        raise RuntimeError(f"boom {quote(CANARY, safe='')}")
    except RuntimeError:
        logger.exception("with a traceback")
    out = capsys.readouterr().out
    assert out.count("\n") == len(encoded_forms(CANARY)) + 1
    assert leaks(out, CANARY) == [], out
