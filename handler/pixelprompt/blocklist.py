"""The content filter: prompts naming blocked content are refused before any model sees them.

Matching is on whole words after folding case, accents and common letter-for-digit swaps, so
"Sk3tch" does not slip past and "grape" does not match "rape".

The filter must see what the model sees. A model reads "be<ZERO WIDTH SPACE>heading", "be<SOFT
HYPHEN>heading" or "b<CYRILLIC IE>heading" as the plain word, so before matching the prompt is
normalised (see `normalise`): NFKC (fullwidth and mathematical letters become plain ones), then
every default-ignorable and format character is dropped, then Cyrillic and Greek letters that look
like Latin ones are folded to them. Only the check uses the normalised text; the prompt sent to
the providers is the person's own.
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

# Default_Ignorable_Code_Point, from Unicode's DerivedCoreProperties.txt (Unicode 15.1). These
# render as nothing; the format characters (category Cf) are dropped as well, see _visible.
_IGNORABLE_RANGES = (
    (0x00AD, 0x00AD),  # soft hyphen
    (0x034F, 0x034F),  # combining grapheme joiner
    (0x061C, 0x061C),  # Arabic letter mark
    (0x115F, 0x1160),  # Hangul fillers
    (0x17B4, 0x17B5),  # Khmer inherent vowels
    (0x180B, 0x180F),  # Mongolian variation selectors and vowel separator
    (0x200B, 0x200F),  # zero width space, joiners, direction marks
    (0x202A, 0x202E),  # bidirectional embeddings and overrides
    (0x2060, 0x206F),  # word joiner, invisible operators, deprecated format characters
    (0x3164, 0x3164),  # Hangul filler
    (0xFE00, 0xFE0F),  # variation selectors
    (0xFEFF, 0xFEFF),  # zero width no-break space (BOM)
    (0xFFA0, 0xFFA0),  # halfwidth Hangul filler
    (0xFFF0, 0xFFF8),
    (0x1BCA0, 0x1BCA3),  # shorthand format controls
    (0x1D173, 0x1D17A),  # musical symbol format controls
    (0xE0000, 0xE0FFF),  # tags and variation selectors supplement
)

# Cyrillic and Greek letters drawn like Latin ones (after Unicode's confusables.txt, the common
# single-letter cases), by character name so the table is readable. Upper case is folded before
# lower-casing: the Cyrillic capital EN looks like "H" but its small letter like a small "h".
_LOOKALIKES = {
    "A": ["CYRILLIC CAPITAL LETTER A", "GREEK CAPITAL LETTER ALPHA"],
    "B": ["CYRILLIC CAPITAL LETTER VE", "GREEK CAPITAL LETTER BETA"],
    "C": ["CYRILLIC CAPITAL LETTER ES", "GREEK CAPITAL LUNATE SIGMA SYMBOL"],
    "E": [
        "CYRILLIC CAPITAL LETTER IE",
        "CYRILLIC CAPITAL LETTER IE WITH GRAVE",
        "CYRILLIC CAPITAL LETTER IO",
        "GREEK CAPITAL LETTER EPSILON",
    ],
    "H": ["CYRILLIC CAPITAL LETTER EN", "CYRILLIC CAPITAL LETTER SHHA", "GREEK CAPITAL LETTER ETA"],
    "I": [
        "CYRILLIC CAPITAL LETTER BYELORUSSIAN-UKRAINIAN I",
        "CYRILLIC CAPITAL LETTER YI",
        "CYRILLIC LETTER PALOCHKA",
        "GREEK CAPITAL LETTER IOTA",
    ],
    "J": ["CYRILLIC CAPITAL LETTER JE"],
    "K": ["CYRILLIC CAPITAL LETTER KA", "GREEK CAPITAL LETTER KAPPA"],
    "M": ["CYRILLIC CAPITAL LETTER EM", "GREEK CAPITAL LETTER MU"],
    "N": ["GREEK CAPITAL LETTER NU"],
    "O": ["CYRILLIC CAPITAL LETTER O", "GREEK CAPITAL LETTER OMICRON"],
    "P": ["CYRILLIC CAPITAL LETTER ER", "GREEK CAPITAL LETTER RHO"],
    "Q": ["CYRILLIC CAPITAL LETTER QA"],
    "S": ["CYRILLIC CAPITAL LETTER DZE"],
    "T": ["CYRILLIC CAPITAL LETTER TE", "GREEK CAPITAL LETTER TAU"],
    "W": ["CYRILLIC CAPITAL LETTER WE"],
    "X": ["CYRILLIC CAPITAL LETTER HA", "GREEK CAPITAL LETTER CHI"],
    "Y": [
        "CYRILLIC CAPITAL LETTER U",
        "CYRILLIC CAPITAL LETTER STRAIGHT U",
        "GREEK CAPITAL LETTER UPSILON",
    ],
    "Z": ["GREEK CAPITAL LETTER ZETA"],
    "a": ["CYRILLIC SMALL LETTER A", "GREEK SMALL LETTER ALPHA"],
    "b": ["CYRILLIC SMALL LETTER VE"],
    "c": ["CYRILLIC SMALL LETTER ES", "GREEK LUNATE SIGMA SYMBOL"],
    "d": ["CYRILLIC SMALL LETTER KOMI DE"],
    "e": [
        "CYRILLIC SMALL LETTER IE",
        "CYRILLIC SMALL LETTER IE WITH GRAVE",
        "CYRILLIC SMALL LETTER IO",
        "GREEK SMALL LETTER EPSILON",
    ],
    "g": ["LATIN SMALL LETTER SCRIPT G", "CYRILLIC SMALL LETTER KOMI SJE"],
    "h": ["CYRILLIC SMALL LETTER EN", "CYRILLIC SMALL LETTER SHHA"],
    "i": [
        "CYRILLIC SMALL LETTER BYELORUSSIAN-UKRAINIAN I",
        "CYRILLIC SMALL LETTER YI",
        "GREEK SMALL LETTER IOTA",
    ],
    "j": ["CYRILLIC SMALL LETTER JE", "GREEK LETTER YOT"],
    "k": ["CYRILLIC SMALL LETTER KA", "GREEK SMALL LETTER KAPPA"],
    "l": ["CYRILLIC SMALL LETTER PALOCHKA"],
    "m": ["CYRILLIC SMALL LETTER EM"],
    "n": ["GREEK SMALL LETTER ETA"],
    "o": ["CYRILLIC SMALL LETTER O", "GREEK SMALL LETTER OMICRON"],
    "p": ["CYRILLIC SMALL LETTER ER", "GREEK SMALL LETTER RHO"],
    "q": ["CYRILLIC SMALL LETTER QA"],
    "s": ["CYRILLIC SMALL LETTER DZE"],
    "t": ["CYRILLIC SMALL LETTER TE", "GREEK SMALL LETTER TAU"],
    "u": ["GREEK SMALL LETTER UPSILON"],
    "v": ["GREEK SMALL LETTER NU"],
    "w": ["CYRILLIC SMALL LETTER WE"],
    "x": ["CYRILLIC SMALL LETTER HA", "GREEK SMALL LETTER CHI"],
    "y": [
        "CYRILLIC SMALL LETTER U",
        "CYRILLIC SMALL LETTER STRAIGHT U",
        "GREEK SMALL LETTER GAMMA",
    ],
}
_CONFUSABLES = str.maketrans(
    {unicodedata.lookup(name): latin for latin, names in _LOOKALIKES.items() for name in names}
)

_LEET = str.maketrans(
    {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s"}
)


def _ignorable(ch: str) -> bool:
    code = ord(ch)
    return unicodedata.category(ch) == "Cf" or any(lo <= code <= hi for lo, hi in _IGNORABLE_RANGES)


def normalise(text: str) -> str:
    """What a model reads: NFKC, invisible characters dropped, look-alike letters folded."""
    text = unicodedata.normalize("NFKC", text)
    text = "".join(ch for ch in text if not _ignorable(ch))
    return text.translate(_CONFUSABLES)


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", normalise(text))
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
