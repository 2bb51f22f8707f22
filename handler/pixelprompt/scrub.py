"""Remove API keys from text in every form a provider might echo one back.

Providers put the request into their error bodies in many shapes: the key as sent, URL-encoded
(a key in a query string), base64 (an Authorization: Basic header, or the whole request encoded),
or JSON-escaped (the request echoed as a JSON string). Each form is replaced by "***".

Base64 of a key inside a longer encoded string depends on where the key starts (offset mod 3),
so the pattern includes, for each of the three alignments, the characters that encode only the
key's own bytes. Keys shorter than MIN_SECRET are not scrubbed: replacing "ab" everywhere would
wreck the message and protects nothing.

`register` remembers the deployment's keys so that the JSON log formatter can scrub every line,
whatever code wrote it.
"""

from __future__ import annotations

import base64
import functools
import json
import re
import threading
from collections.abc import Iterable
from urllib.parse import quote, quote_plus

MASK = "***"
MIN_SECRET = 4
MIN_BASE64_FRAGMENT = 8  # shorter fragments would match ordinary words

_lock = threading.Lock()
_registered: frozenset[str] = frozenset()


def _percent_pattern(encoded: str) -> str:
    """An escaped regex for a percent-encoded string whose %XX hex may be either case."""
    parts = re.split(r"(%[0-9A-Fa-f]{2})", encoded)
    out = []
    for part in parts:
        if re.fullmatch(r"%[0-9A-Fa-f]{2}", part):
            out.append("%" + "".join(f"[{c.upper()}{c.lower()}]" for c in part[1:]))
        else:
            out.append(re.escape(part))
    return "".join(out)


def _base64_fragments(secret: bytes) -> set[str]:
    """Characters that encode only `secret`'s bytes, at each of the three alignments."""
    fragments = set()
    for pad in range(3):
        for encode in (base64.b64encode, base64.urlsafe_b64encode):
            text = encode(b"\0" * pad + secret).decode().rstrip("=")
            lead = (pad * 8 + 5) // 6  # characters touched by the padding bytes
            end = ((pad + len(secret)) * 8) // 6  # characters made only of whole key bits
            fragment = text[lead:end]
            if len(fragment) >= MIN_BASE64_FRAGMENT:
                fragments.add(fragment)
    return fragments


def forms(secret: str) -> set[str]:
    """The literal forms of `secret` (not the percent-encoded ones, which are patterns)."""
    raw = secret.encode("utf-8", "surrogatepass")
    found = {secret, json.dumps(secret)[1:-1], json.dumps(secret, ensure_ascii=False)[1:-1]}
    found.add(json.dumps(secret)[1:-1].replace("/", "\\/"))
    found |= _base64_fragments(raw)
    return {f for f in found if len(f) >= MIN_SECRET}


@functools.lru_cache(maxsize=256)
def _pattern(secrets: frozenset[str]) -> re.Pattern[str] | None:
    alternatives: set[str] = set()
    for secret in secrets:
        if len(secret) < MIN_SECRET:
            continue
        alternatives |= {re.escape(f) for f in forms(secret)}
        for encoded in {quote(secret, safe=""), quote_plus(secret, safe="")}:
            alternatives.add(_percent_pattern(encoded))
            # Encoded twice (a URL inside a query string): %2F becomes %252F.
            alternatives.add(_percent_pattern(quote(encoded, safe="")))
    if not alternatives:
        return None
    ordered = sorted(alternatives, key=len, reverse=True)  # longest first: no partial leftovers
    return re.compile("|".join(ordered))


def scrub(text: str, secrets: Iterable[str]) -> str:
    """`text` with every form of every secret replaced by MASK."""
    if not text:
        return text
    pattern = _pattern(frozenset(s for s in secrets if s))
    return pattern.sub(MASK, text) if pattern is not None else text


def register(secrets: Iterable[str]) -> None:
    """Add keys that every log line is scrubbed of (the configured provider keys)."""
    global _registered
    with _lock:
        _registered = _registered | {s for s in secrets if s and len(s) >= MIN_SECRET}


def registered() -> frozenset[str]:
    return _registered


def scrub_registered(text: str) -> str:
    """`text` without any registered key (the log formatter's last step)."""
    current = _registered
    return scrub(text, current) if current else text
