"""Header text shown to people: subjects and display names, made safe and made to fit.

Bidirectional control characters can make a subject or a sender's name read differently
from what it is (``"Invoice \u202egnp.exe"`` shows as ``Invoice exe.png``); they are
removed. A subject longer than a case's subject field is shortened on a character
boundary with an ellipsis, and the full text is kept in the message instead.
"""

from __future__ import annotations

import re
import unicodedata

# Embeddings and overrides (U+202A to U+202E), isolates (U+2066 to U+2069), the implicit marks
# LRM/RLM (U+200E/U+200F) and the Arabic letter mark (U+061C): in a one-line subject or a
# display name they only reorder or disguise the text around them.
BIDI_CONTROLS = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
ELLIPSIS = "\u2026"


def strip_bidi(text: str) -> str:
    return BIDI_CONTROLS.sub("", text)


def one_line(text: str) -> str:
    """Without bidirectional controls, with runs of whitespace as one space."""
    return " ".join(strip_bidi(text).split())


def shorten(text: str, limit: int) -> str:
    """``text`` if it fits in ``limit`` characters, else its start and an ellipsis (both
    within ``limit``), cut between words where one ends near the limit and never inside a
    character with its combining marks."""
    if len(text) <= limit:
        return text
    cut = limit - len(ELLIPSIS)
    # Do not separate a base character from the combining marks that follow it.
    while cut > 0 and unicodedata.combining(text[cut]):
        cut -= 1
    head = text[:cut]
    space = head.rfind(" ")
    if not text[cut].isspace() and space > 0 and space >= cut - 20:
        head = head[:space]  # end on a whole word when one ends near the limit
    return head.rstrip() + ELLIPSIS
