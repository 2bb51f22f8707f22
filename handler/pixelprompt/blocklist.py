"""The content filter: prompts naming blocked content are refused before any model sees them.

Matching is on whole words after folding case, accents and common letter-for-digit swaps, so
"Sk3tch" does not slip past and "grape" does not match "rape".
"""

from __future__ import annotations

import re
import unicodedata

# Each entry: the phrase to look for -> the reason shown to the person.
BLOCKED: dict[str, str] = {
    "child porn": "sexual content involving minors",
    "child pornography": "sexual content involving minors",
    "csam": "sexual content involving minors",
    "cp porn": "sexual content involving minors",
    "underage nude": "sexual content involving minors",
    "underage sex": "sexual content involving minors",
    "nude child": "sexual content involving minors",
    "naked child": "sexual content involving minors",
    "nude kid": "sexual content involving minors",
    "naked kid": "sexual content involving minors",
    "nude minor": "sexual content involving minors",
    "naked minor": "sexual content involving minors",
    "loli hentai": "sexual content involving minors",
    "shotacon": "sexual content involving minors",
    "lolicon": "sexual content involving minors",
    "rape": "sexual violence",
    "raped": "sexual violence",
    "bestiality": "sexual content involving animals",
    "zoophilia": "sexual content involving animals",
    "beheading": "graphic violence",
    "decapitated": "graphic violence",
    "dismembered": "graphic violence",
    "snuff": "graphic violence",
    "mass shooting": "glorifying real-world violence",
    "school shooting": "glorifying real-world violence",
    "terrorist attack": "glorifying real-world violence",
    "isis propaganda": "extremist propaganda",
    "nazi propaganda": "extremist propaganda",
    "revenge porn": "non-consensual intimate imagery",
    "deepfake nude": "non-consensual intimate imagery",
}

_LEET = str.maketrans(
    {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s"}
)


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = text.lower().translate(_LEET)
    return " ".join(re.findall(r"[a-z]+", text))


_PATTERNS = [
    (re.compile(rf"(?<![a-z]){re.escape(_fold(phrase))}(?![a-z])"), phrase, reason)
    for phrase, reason in BLOCKED.items()
]


def check(prompt: str) -> str | None:
    """None when the prompt is allowed; otherwise a sentence saying why it is refused."""
    folded = _fold(prompt)
    for pattern, phrase, reason in _PATTERNS:
        if pattern.search(folded):
            return f'The prompt was refused because it asks for {reason} ("{phrase}").'
    return None
