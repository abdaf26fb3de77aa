"""Sentiment of customer messages, and a case's current mood (P4). Pure functions.

``score(text)`` runs VADER (``vaderSentiment``: a rule-based model whose lexicon ships
inside the package; offline, CPU, microseconds per sentence) and returns the compound
score in [-1, 1] with a label: positive at or above +0.05, negative at or below -0.05,
neutral between (VADER's own cut-offs).

Customer-care mail is full of requests, and VADER's lexicon reads the words of a request
("please", "help", "ok") as positive, so "I am very disappointed, please help" came out
positive. Those courtesy words are removed from this analyzer's lexicon: a polite request
is neutral, and the disappointment decides. Sentiment is not abuse: an angry but polite
customer is negative here and not abusive (``caredesk.enrichment.abuse``), and the two
are scored, stored and shown separately.

**Current mood** of a case (:func:`mood`): the recency-weighted mean of the compound
scores of its last :data:`MOOD_WINDOW` customer messages, newest first, each older
message counting half as much as the one after it (weights 1, 1/2, 1/4, 1/8, 1/16).
The latest message dominates (a customer who was furious and is now thanked reads as
recovering, 0.52 of the weight is the last message) while one polite closing line
does not erase a long angry thread.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

ANALYZER = "vader-3.3.2"
MAX_CHARS = 20_000
POSITIVE_AT = 0.05
NEGATIVE_AT = -0.05
MOOD_WINDOW = 5
MOOD_DECAY = 0.5
# Words of a request, not of a feeling, in customer-care text.
COURTESY_WORDS = ("please", "help", "ok", "okay")

POSITIVE = "positive"
NEUTRAL = "neutral"
NEGATIVE = "negative"
LABELS = (POSITIVE, NEUTRAL, NEGATIVE)


@dataclass(frozen=True)
class SentimentResult:
    compound: float
    label: str
    analyzer: str = ANALYZER


@functools.cache
def _analyzer() -> SentimentIntensityAnalyzer:
    analyzer = SentimentIntensityAnalyzer()
    for word in COURTESY_WORDS:
        analyzer.lexicon.pop(word, None)
    return analyzer


def label_for(compound: float) -> str:
    if compound >= POSITIVE_AT:
        return POSITIVE
    if compound <= NEGATIVE_AT:
        return NEGATIVE
    return NEUTRAL


def score(text: str) -> SentimentResult:
    """The sentiment of one message (the first :data:`MAX_CHARS` characters)."""
    value = str(text or "")[:MAX_CHARS].strip()
    if not value:
        return SentimentResult(0.0, NEUTRAL)
    compound = float(_analyzer().polarity_scores(value)["compound"])
    compound = max(-1.0, min(1.0, round(compound, 4)))
    return SentimentResult(compound, label_for(compound))


def mood(newest_first: Sequence[float]) -> float | None:
    """The recency-weighted mean of the last customer messages' scores (None: none)."""
    window = list(newest_first)[:MOOD_WINDOW]
    if not window:
        return None
    weights = [MOOD_DECAY**i for i in range(len(window))]
    value = sum(w * s for w, s in zip(weights, window, strict=True)) / sum(weights)
    return round(value, 4)
