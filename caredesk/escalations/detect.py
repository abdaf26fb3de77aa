"""Recognising a customer's request for a supervisor in free text (an email). Pure."""

from __future__ import annotations

import re

_WHO = (
    r"(?:a |an |the |your |my )?(?:supervisor|manager|team ?lead(?:er)?|superior|boss"
    r"|someone (?:more )?senior|somebody (?:more )?senior|higher[- ]up|person in charge)"
)
_PATTERNS = [
    # "I want to speak to a manager", "let me talk to your supervisor", "put me through to…"
    re.compile(
        r"\b(?:speak|talk|chat|escalate|refer|pass|transfer|connect|put me through|hand)"
        r"\w*\b[^.?!\n]{0,40}?\b" + _WHO + r"\b",
        re.IGNORECASE,
    ),
    # "I demand a supervisor", "I'd like a manager to call me"
    re.compile(
        r"\b(?:want|need|demand|request|like|get me|call)\b[^.?!\n]{0,25}?\b" + _WHO + r"\b",
        re.IGNORECASE,
    ),
    # "please escalate this", "escalate my complaint"
    re.compile(r"\bescalat(?:e|ing)\b\s+(?:this|my|the|it)\b", re.IGNORECASE),
]
# Phrases that mention a manager without asking for ours.
_NOT_A_REQUEST = re.compile(
    r"\b(?:my|our) (?:manager|boss|supervisor) (?:asked|told|wants|said|approved|needs)\b",
    re.IGNORECASE,
)
MAX_SCAN = 20_000


def supervisor_request(text: str) -> str | None:
    """The sentence asking for a supervisor, or None."""
    sample = text[:MAX_SCAN]
    for sentence in re.split(r"(?<=[.?!\n])\s+", sample):
        if _NOT_A_REQUEST.search(sentence):
            continue
        for pattern in _PATTERNS:
            if pattern.search(sentence):
                return " ".join(sentence.split())[:500]
    return None
