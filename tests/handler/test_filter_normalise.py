"""The content filter reads the prompt as a model would: invisible and look-alike characters
cannot smuggle a blocked word past it, and the prompt sent on is the person's own."""

from __future__ import annotations

import json

import pytest
from pixelprompt import blocklist, jobs

from tests.handler.support import BUCKET

CYRILLIC_IE = "\u0435"  # looks like "e"
# (description, prompt): every one reads "beheading" (or "rape") to a person and a model.
BYPASSES = [
    ("zero width space", "be\u200bheading"),
    ("soft hyphen", "be\u00adheading"),
    ("Cyrillic small ie for e", f"b{CYRILLIC_IE}heading"),
    ("zero width joiner", "be\u200dhe\u200cading"),
    ("word joiner", "behead\u2060ing"),
    ("byte order mark", "\ufeffbehe\ufeffading"),
    ("left-to-right mark", "be\u200eheading"),
    ("bidi override", "be\u202eheading\u202c"),
    ("combining grapheme joiner", "be\u034fheading"),
    ("variation selector", "be\ufe0fheading"),
    ("Mongolian vowel separator", "be\u180eheading"),
    ("Hangul filler", "be\u3164heading"),
    ("tag characters", "be\U000e0041heading"),
    ("fullwidth letters", "\uff42\uff45\uff48\uff45\uff41\uff44\uff49\uff4e\uff47"),
    ("mathematical bold", "".join(chr(0x1D41A + ord(c) - ord("a")) for c in "beheading")),
    ("Cyrillic capitals", "\u0412\u0415\u041dEADING"),
    ("Greek omicron and alpha", "school sh\u03bf\u03bfting"),
    ("Cyrillic a, e and o together", "r\u0430p\u0435 sc\u0435n\u0435"),
    ("combining strokes over letters", "".join(c + "\u0336" for c in "beheading")),
    ("circled letters", "".join(chr(0x24D0 + ord(c) - ord("a")) for c in "snuff")),
]


@pytest.mark.parametrize(("what", "prompt"), BYPASSES, ids=[b[0] for b in BYPASSES])
def test_hidden_and_lookalike_forms_are_caught(what: str, prompt: str) -> None:
    assert blocklist.check(prompt) is not None, f"{what}: {prompt!r} passed the filter"


@pytest.mark.parametrize(
    "prompt",
    [
        "a grape arbor in the sun",
        "\u041c\u043e\u0441\u043a\u0432\u0430 at night",  # Moscow, in Cyrillic
        "caf\u00e9 with a soft\u00adhyphenated sign",
        "an emoji family \U0001f468\u200d\U0001f469\u200d\U0001f467",
        "\u03b1\u03b2\u03b3 written on a chalkboard",
    ],
)
def test_ordinary_prompts_with_such_characters_pass(prompt: str) -> None:
    assert blocklist.check(prompt) is None


def test_normalise_drops_invisible_characters_and_folds_lookalikes() -> None:
    assert blocklist.normalise("a\u200bb\u00adc\u2060d") == "abcd"
    assert blocklist.normalise(f"{CYRILLIC_IE}\u03bf") == "eo"
    assert blocklist.normalise("\uff21") == "A"  # NFKC


@pytest.mark.parametrize("prompt", ["be\u200bheading", f"b{CYRILLIC_IE}heading", "be\u00adheading"])
def test_generate_refuses_the_bypasses(s3, dispatched, event, call, prompt):
    status, body, _ = call(event("httpApiV2_generate.json", body={"prompt": prompt}))
    assert (status, body["code"]) == (400, "CONTENT_BLOCKED")
    assert dispatched == []


def test_an_allowed_prompt_is_stored_and_sent_exactly_as_typed(s3, dispatched, event, call):
    typed = "caf\u00e9 sign, soft\u00adhyphen, \uff26\uff55\uff4c\uff4c width, \u0435 letter"
    status, body, _ = call(event("httpApiV2_generate.json", body={"prompt": typed}))
    assert status == 202, body
    key = jobs.status_key(body["jobId"])
    record = json.loads(s3.get_object(Bucket=BUCKET, Key=key)["Body"].read())
    assert record["prompt"] == typed  # the worker sends record["prompt"] to the providers
