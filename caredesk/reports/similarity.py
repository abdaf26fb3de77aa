"""Is a new case about the same topic as an earlier one? Term overlap, offline and cheap.

A case's terms are the words of its subject and the customer's first message (the pinned
original request), lower-cased, without common English words, with a crude plural/verb
ending stripped, and at most ``MAX_TERMS`` distinct terms. Two cases are similar when the
cosine of their term-count vectors is at least ``SIMILAR_AT`` (docs/reports.md). The
subject's terms count twice: a subject says what the case is about.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Mapping

SIMILAR_AT = 0.35
MAX_TEXT = 4000  # characters of the first message read; the topic is at the start
MAX_TERMS = 200
WORD = re.compile(r"[^\W\d_]{3,}", re.UNICODE)

_WORDS = """
about above after again against all also and any are around because been before
being below between both but can cannot could did does doing done down during each
even ever every few for from further get got had has have having hello her here hers
him his how however into its just like made make many may more most much must never
now off once only other our ours out over own please same she should since some
still such than thank thanks that the their theirs them then there these they this
those through too under until very was way well were what when where which while who
whom why will with would yes yet you your yours dear regards kind best hi hey today
yesterday tomorrow week again one two also really want need
"""
STOP_WORDS = frozenset(_WORDS.split())


def _stem(word: str) -> str:
    for ending in ("ing", "ed", "es", "s"):
        if word.endswith(ending) and len(word) - len(ending) >= 3:
            return word[: -len(ending)]
    return word


def terms(subject: str, body: str) -> Counter[str]:
    """The term counts of a case (subject terms weigh twice)."""
    counts: Counter[str] = Counter()
    for weight, text in ((2, subject[:MAX_TEXT]), (1, body[:MAX_TEXT])):
        for raw in WORD.findall(text.lower()):
            if raw in STOP_WORDS:
                continue
            word = _stem(raw)
            if word in counts or len(counts) < MAX_TERMS:
                counts[word] += weight
    return counts


def cosine(a: Mapping[str, int], b: Mapping[str, int]) -> float:
    if not a or not b:
        return 0.0
    if len(a) > len(b):
        a, b = b, a
    dot = sum(count * b.get(term, 0) for term, count in a.items())
    if not dot:
        return 0.0
    norm = math.sqrt(sum(c * c for c in a.values())) * math.sqrt(sum(c * c for c in b.values()))
    return dot / norm


def similar(a: Mapping[str, int], b: Mapping[str, int]) -> bool:
    return cosine(a, b) >= SIMILAR_AT
