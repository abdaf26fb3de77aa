"""Abuse scoring behind one interface: ``get_classifier().score(text)``.

The default classifier combines two parts, sentence by sentence:

* a trained model shipped inside a pip package (``alt-profanity-check``: a linear SVM
  over TF-IDF features, calibrated, bundled with its weights; CPU only, no download);
* rules for what a profanity model cannot see or over-reacts to: threats, insults
  aimed at a person, harassment; and mild swearing ("what the hell", "bloody") that
  angry but not abusive customers use, which is removed before the model reads the text.

What counts as abuse (see docs/escalations.md): threats, insults, slurs or harassment
aimed at people, and heavy profanity. Anger at a product, a delay or a policy, however
strongly put, is not abuse. The score is in [0, 1]; at or above the threshold
(``CAREDESK_ABUSE_THRESHOLD``, default 0.7) a message is flagged.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from django.conf import settings

log = logging.getLogger(__name__)

DEFAULT_THRESHOLD = 0.7
MAX_CHARS = 20_000
MAX_SENTENCES = 200


@dataclass(frozen=True)
class AbuseResult:
    score: float
    reasons: tuple[str, ...]
    classifier: str


class AbuseClassifier(Protocol):
    name: str

    def score(self, text: str) -> AbuseResult: ...


def threshold() -> float:
    return float(getattr(settings, "CAREDESK_ABUSE_THRESHOLD", DEFAULT_THRESHOLD))


# --- normalising -----------------------------------------------------------------------

_LEET = str.maketrans({"@": "a", "$": "s", "0": "o", "1": "i", "3": "e", "4": "a", "5": "s"})
_MASKED = [
    (re.compile(r"\bf[\W_]*[u*@#]?[\W_]*[c*@#]+[\W_]*k"), "fuck"),
    (re.compile(r"\bf\*{2,3}"), "fuck"),
    (re.compile(r"\bsh[\W_]*[i1!*][\W_]*t"), "shit"),
    (re.compile(r"\bb[\W_]*[i1!*][\W_]*t[\W_]*c[\W_]*h"), "bitch"),
    (re.compile(r"\ba[\W_]*[s$*]{2}[\W_]*h[o0*]le"), "asshole"),
    (re.compile(r"\bc[\W_]*[u*][\W_]*n[\W_]*t"), "cunt"),
]
_REPEATS = re.compile(r"(\w)\1{2,}")
_SENTENCES = re.compile(r"(?<=[.!?\n])\s+|\n+")


def normalize(text: str) -> str:
    value = text[:MAX_CHARS].lower().replace("\u2019", "'")
    for pattern, word in _MASKED:
        value = pattern.sub(word, value)
    value = " ".join(w.translate(_LEET) if not w.isdigit() else w for w in value.split())
    return _REPEATS.sub(r"\1\1", value)


def sentences(text: str) -> list[str]:
    parts = [p.strip() for p in _SENTENCES.split(text) if p and p.strip()]
    return parts[:MAX_SENTENCES] or [text.strip()]


# --- rules -----------------------------------------------------------------------------

_YOU = r"(?:you|u|ya|yo?u'?re|ur|you are|you r|youre)"
_PEOPLE = (
    r"(?:you people|you guys|you lot|your (?:staff|agents?|employees|people|team|colleagues|"
    r"workers|reps?|representatives|manager|boss)|this agent|the agent|all of you|every one of you)"
)
_INSULT_NOUN = (
    r"(?:idiot|moron|imbecile|cretin|halfwit|dimwit|dumbass|jackass|asshole|arsehole|bastard|"
    r"bitch|cunt|dickhead|dick|prick|twat|wanker|tosser|scumbag|scum|loser|clown|retard|"
    r"parasite|leech|douche(?:bag)?|jerk|pig|monkey|donkey|cow|piece of (?:shit|crap|garbage|"
    r"trash|work)|waste of (?:space|oxygen|skin))s?"
)
_INSULT_ADJ = (
    r"(?:stupid|dumb|brainless|retarded|moronic|pathetic|worthless|idiotic|clueless|"
    r"incompetent|useless|lazy|ignorant|disgusting|ugly|fat|thick|braindead|brain dead|"
    r"shit|crap|garbage|trash|rubbish|spineless|lying|thieving|good for nothing)"
)
_FILLER = r"(?:(?:a|an|such an?|so|really|fucking|bloody|complete|total|absolute|utter|"
_FILLER += r"the most|the biggest|just|nothing but|all|a bunch of|a pack of|bunch of)\s+)*"

RULES: list[tuple[re.Pattern[str], float, str]] = [
    # Threats of violence or harm.
    (
        re.compile(
            r"\b(?:i'?ll|i will|i'?m going to|im going to|i am going to|gonna|i'?d like to|"
            r"someone should|somebody should)\s+(?:\w+\s+){0,3}?(?:kill|hurt|beat|smash|punch|"
            r"stab|shoot|strangle|slap|break your|burn down|come (?:down )?there and|"
            r"find you|hunt you|make you (?:pay|suffer|bleed))"
        ),
        0.97,
        "threat",
    ),
    (
        re.compile(r"\b(?:know|find out|found out) where (?:you|u|your \w+) (?:live|lives|work)"),
        0.97,
        "threat",
    ),
    (
        re.compile(r"\bwatch (?:your|ur) back\b|\byou(?:'re| are) (?:dead|going to die)\b"),
        0.95,
        "threat",
    ),
    (
        re.compile(
            r"\b(?:hope|wish) (?:you|u|your \w+) (?:die|dies|get hurt|get cancer|rot|suffer)"
        ),
        0.95,
        "threat",
    ),
    (re.compile(r"\bkill (?:your ?self|yourselves)\b|\bkys\b"), 0.97, "threat"),
    # Abuse aimed at the person.
    (
        re.compile(
            r"\b(?:fuck|screw|damn) (?:you|u|ya|yourself|yourselves|off)\b|\bgo to hell\b|"
            r"\bshut (?:up|your (?:mouth|face))\b|\bpiss off\b|\bdrop dead\b|\bstfu\b|\bgfy\b|"
            r"\bbite me\b|\bget fucked\b|\bsuck my\b|\beat shit\b"
        ),
        0.92,
        "abuse aimed at a person",
    ),
    (
        re.compile(r"\b" + _YOU + r"\s+" + _FILLER + _INSULT_ADJ + r"\s+" + _INSULT_NOUN + r"\b"),
        0.95,
        "insult",
    ),
    (re.compile(r"\b" + _YOU + r"\s+" + _FILLER + _INSULT_NOUN + r"\b"), 0.92, "insult"),
    (
        re.compile(
            r"\b"
            + _PEOPLE
            + r"\s+(?:are|is|r)\s+"
            + _FILLER
            + r"(?:"
            + _INSULT_NOUN
            + r"|"
            + _INSULT_ADJ
            + r"(?:\s+"
            + _INSULT_NOUN
            + r")?)\b"
        ),
        0.88,
        "insult",
    ),
    (
        re.compile(
            r"\b(?:you|u|ya)\s+(?:stupid|dumb|brainless|retarded|pathetic|worthless|"
            r"useless|lazy|incompetent|ignorant|fat|ugly|fucking|bloody)\s+\w+"
        ),
        0.9,
        "insult",
    ),
    (
        re.compile(
            r"\b" + _YOU + r"\s+" + _FILLER + r"(?:stupid|dumb|brainless|retarded|"
            r"moronic|pathetic|worthless|idiotic|braindead|brain dead|thick|ugly|fat|"
            r"shit|crap|garbage|trash)\b"
        ),
        0.88,
        "insult",
    ),
    (
        re.compile(
            r"\b(?:send|show) (?:me )?(?:nudes|pics of you|a photo of you)\b|"
            r"\bsleep with (?:me|you)\b|\bsexy (?:voice|girl|boy)\b|\bwhat are you wearing\b"
        ),
        0.92,
        "harassment",
    ),
]

# Mild swearing that angry, not abusive, customers use; taken out before the model reads.
_MILD = re.compile(
    r"\b(?:what|where|why|how|who) the (?:hell|heck|devil)\b|\bthe hell\b|\bin hell\b|"
    r"\b(?:bloody|damn(?:ed)?|dammit|darn|freaking|frigging|flipping|effing|goddamn|"
    r"god damn|crap(?:py)?|sucks?|pissed(?: off)?|wtf|ffs|omg|jesus|christ|"
    r"for (?:god'?s|heaven'?s|pete'?s) sake|hell|rubbish|shambles|joke|ridiculous|"
    r"shit(?:ty)?|bullshit|bs|screwed|disgrace(?:ful)?|stupid|dumb)\b"
)


class RuleClassifier:
    name = "rules-1"

    def score_sentence(self, sentence: str) -> tuple[float, str]:
        best, why = 0.0, ""
        for pattern, value, reason in RULES:
            if value > best and pattern.search(sentence):
                best, why = value, reason
        return best, why


# --- the model -------------------------------------------------------------------------

ModelFn = Callable[[Sequence[str]], Sequence[float]]


@functools.lru_cache(maxsize=1)
def _profanity_model() -> ModelFn | None:
    try:
        from profanity_check import predict_prob
    except Exception:  # the package is missing or its model failed to load
        log.warning("profanity model unavailable; abuse scoring uses rules only", exc_info=True)
        return None

    def run(texts: Sequence[str]) -> Sequence[float]:
        return [float(p) for p in predict_prob(list(texts))]

    return run


def strip_mild(sentence: str) -> str:
    return " ".join(_MILD.sub(" ", sentence).split())


class CombinedClassifier:
    """Rules plus the shipped model; the message scores as its worst sentence."""

    def __init__(self, model: ModelFn | None, rules: RuleClassifier | None = None) -> None:
        self.model = model
        self.rules = rules or RuleClassifier()
        self.name = "profanity-check+rules-1" if model is not None else "rules-1"

    def score(self, text: str) -> AbuseResult:
        parts = sentences(normalize(text))
        if not parts or not any(parts):
            return AbuseResult(0.0, (), self.name)
        stripped = [strip_mild(p) for p in parts]
        probs: Sequence[float] = [0.0] * len(parts)
        if self.model is not None:
            probs = self.model([s or "." for s in stripped])
        best, reasons = 0.0, set()
        for part, prob in zip(parts, probs, strict=True):
            rule_score, why = self.rules.score_sentence(part)
            if rule_score > best:
                best = rule_score
            if why and rule_score >= threshold():
                reasons.add(why)
            if prob > best:
                best = prob
            if prob >= threshold():
                reasons.add("offensive language")
        return AbuseResult(round(min(best, 1.0), 4), tuple(sorted(reasons)), self.name)


@functools.lru_cache(maxsize=1)
def get_classifier() -> AbuseClassifier:
    return CombinedClassifier(_profanity_model())
