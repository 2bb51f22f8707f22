"""One module per provider protocol; ALL lists them for the router."""

from __future__ import annotations

from . import bedrock, bfl, gemini, openai, recraft, stability

ALL = (
    openai.PROTOCOL,
    bfl.PROTOCOL,
    stability.PROTOCOL,
    recraft.PROTOCOL,
    gemini.PROTOCOL,
    bedrock.PROTOCOL,
)
