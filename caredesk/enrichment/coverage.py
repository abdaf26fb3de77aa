"""Does a reply answer what the customer asked? (P3). Pure functions, no database.

:func:`check` takes the customer's open texts (the pinned original request while earlier
replies left it unanswered, and the customer messages after the last public reply) and
the draft reply, and says which questions the reply seems not to address:

1. **Questions.** Each text is split into sentences; a sentence is a question when it
   ends with ``?``, starts with a question word (when, where, can, could…) or makes a
   request ("please send", "I need", "let me know"). A text without one counts as one
   question as a whole (a customer who only describes a problem wants it dealt with).
   Greetings, thanks and rhetorical questions ("are you kidding me?") are left out.
2. **Aspects.** Each question has up to two: its *topic* (its content words, stemmed
   with the Snowball English stemmer, mapped through a small curated list of synonyms
   so that "refund" meets "money back" and "parcel" meets "delivery"), each word weighted
   like TF-IDF (a list of generic customer-care words weighs little, a rare word such as
   "footstool" weighs most); and what kind of *answer* the question wants: an exact time
   ("when", "how long", "what time"), an amount ("how much"), a reason ("why") or the
   steps ("how do I").
3. **Addressed.** The topic is addressed when the reply shares at least
   :data:`TOPIC_COVERAGE` of the question's word weight, or one of its two heaviest
   words; the answer kind is addressed when the reply holds such an answer (a day, a
   time, a duration; a number or a price; "because", "due to"; "go to", "click"). A
   question is addressed when all its aspects are.

The result is a warning in words ("Maria asked about the footstool and an exact time;
your reply mentions neither.") and the questions with their aspects, for the panel.
Offline, CPU, a few milliseconds for a typical case (``bench/coverage_bench.py``).
Precision and recall on the labelled set are in docs/replies.md.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import snowballstemmer

from caredesk.enrichment import coverage_words as lexicon

CHECKER = "coverage-1"
MAX_CHARS = 20_000  # per text: longer texts are read up to here
MAX_TEXTS = 20
MAX_QUESTIONS = 8
TOPIC_COVERAGE = 0.3  # share of a question's topic weight the reply must mention
# A message without a question (a problem told) needs less: the reply must take it up.
STATEMENT_COVERAGE = 0.2
GENERIC_WEIGHT = 0.2
KEY_WEIGHT = 1.0
CONTEXT_FACTOR = 0.5  # words of the statement before a question weigh half

TOPIC = "topic"
TIME = "time"
AMOUNT = "amount"
REASON = "reason"
STEPS = "steps"

ANSWER_LABELS = {
    TIME: "an exact time",
    AMOUNT: "an amount",
    REASON: "the reason",
    STEPS: "the steps",
}


@dataclass(frozen=True)
class Aspect:
    kind: str
    label: str
    addressed: bool


@dataclass(frozen=True)
class Question:
    text: str
    aspects: tuple[Aspect, ...]

    @property
    def addressed(self) -> bool:
        return all(a.addressed for a in self.aspects)

    @property
    def missing(self) -> tuple[Aspect, ...]:
        return tuple(a for a in self.aspects if not a.addressed)


@dataclass(frozen=True)
class Coverage:
    questions: tuple[Question, ...] = ()
    customer: str = "The customer"
    checker: str = CHECKER
    missing: tuple[str, ...] = field(default=())

    @property
    def answers(self) -> bool:
        return all(q.addressed for q in self.questions)

    @property
    def unaddressed(self) -> tuple[Question, ...]:
        return tuple(q for q in self.questions if not q.addressed)

    @property
    def warning(self) -> str:
        if self.answers:
            return ""
        return warning_text(self.customer, self.missing)

    def as_dict(self) -> dict[str, object]:
        return {
            "answers": self.answers,
            "warning": self.warning,
            "checker": self.checker,
            "missing": list(self.missing),
            "questions": [
                {
                    "text": q.text,
                    "addressed": q.addressed,
                    "missing": [a.label for a in q.missing],
                }
                for q in self.questions
            ],
        }


def warning_text(customer: str, missing: Sequence[str]) -> str:
    if not missing:
        return ""
    if len(missing) == 1:
        return f"{customer} asked about {missing[0]}; your reply does not mention it."
    listed = ", ".join(missing[:-1]) + f" and {missing[-1]}"
    if len(missing) == 2:
        return f"{customer} asked about {listed}; your reply mentions neither."
    return f"{customer} asked about {listed}; your reply mentions none of them."


# --- words ------------------------------------------------------------------------------

_STEMMER = snowballstemmer.stemmer("english")


@functools.lru_cache(maxsize=4096)
def stem(word: str) -> str:
    result: str = _STEMMER.stemWord(word)
    return result


@functools.lru_cache(maxsize=1)
def _concepts() -> dict[str, str]:
    table: dict[str, str] = {}
    for key, words in lexicon.SYNONYMS.items():
        for word in words:
            table.setdefault(stem(word), key)
    return table


_WORD = re.compile(r"[a-z0-9][a-z0-9']*")


def normalize(text: str) -> str:
    value = text[:MAX_CHARS].lower().replace("\u2019", "'").replace("\u2018", "'")
    for pattern, repl in lexicon.PHRASES:
        value = pattern.sub(repl, value)
    return value


def _key(word: str) -> str:
    s = stem(word.strip("'"))
    return _concepts().get(s, s)


def words(text: str) -> list[str]:
    return [w.strip("'") for w in _WORD.findall(text)]


_TIMEISH = re.compile(r"^\d+(?:am|pm|h|st|nd|rd|th|s)?$")


def content_words(text: str) -> list[str]:
    """Words that can name a topic: not stopwords, numbers or times ("7pm", "12th")."""
    return [
        w
        for w in words(text)
        if len(w) > 1 and w not in lexicon.STOPWORDS and not _TIMEISH.match(w)
    ]


def weight(word: str) -> float:
    if word in lexicon.GENERIC or stem(word) in _generic_stems():
        return GENERIC_WEIGHT
    return KEY_WEIGHT


@functools.lru_cache(maxsize=1)
def _generic_stems() -> frozenset[str]:
    return frozenset(stem(w) for w in lexicon.GENERIC)


def reply_keys(text: str) -> set[str]:
    keys = set()
    for word in words(normalize(text)):
        if len(word) > 1:
            keys.add(_key(word))
    return keys


def _key_in(key: str, keys: set[str]) -> bool:
    if key in keys:
        return True
    if len(key) < 5:
        return False
    return any(len(k) >= 5 and (k.startswith(key) or key.startswith(k)) for k in keys)


# --- questions --------------------------------------------------------------------------

ANSWER_PATTERNS = {
    TIME: lexicon.TIME_ANSWER,
    AMOUNT: lexicon.AMOUNT_ANSWER,
    REASON: lexicon.REASON_ANSWER,
    STEPS: lexicon.STEPS_ANSWER,
}


def sentences(text: str) -> list[str]:
    lines = [ln for ln in text.splitlines() if not ln.lstrip().startswith(">")]
    joined = "\n".join(lines)
    return [s.strip() for s in lexicon.SENTENCE.split(joined) if s and s.strip()]


def is_question(sentence: str) -> bool:
    low = sentence.lower()
    return (
        low.endswith("?")
        or bool(lexicon.QUESTION_START.match(low))
        or bool(lexicon.REQUEST.search(low))
    )


def answer_kinds(sentence: str) -> list[str]:
    """What kind of answer the question sentence wants (its context line is ignored)."""
    low = normalize(sentence.rpartition("\n")[2])
    kinds = []
    if lexicon.TIME_ASK.search(low):
        kinds.append(TIME)
    if lexicon.AMOUNT_ASK.search(low):
        kinds.append(AMOUNT)
    if lexicon.REASON_ASK.search(low):
        kinds.append(REASON)
    if lexicon.STEPS_ASK.search(low) and TIME not in kinds:
        kinds.append(STEPS)
    return kinds


_BECAUSE = re.compile(r"\b(?:because|since i|since we|as i|as we|so that|so i can)\b", re.I)


@dataclass(frozen=True)
class _Term:
    word: str
    key: str
    weight: float


def _terms(sentence: str) -> list[_Term]:
    """Topic words of a question unit; the context line (before the newline) weighs
    :data:`CONTEXT_FACTOR` as much as the question itself."""
    context, _, asked = sentence.rpartition("\n")
    # The customer's reasons are not what they ask: "I need an exact time because I
    # work shifts" asks for a time, not about shifts.
    asked = _BECAUSE.split(asked, maxsplit=1)[0]
    seen: dict[str, _Term] = {}
    weighted = [(w, weight(w) * CONTEXT_FACTOR) for w in content_words(normalize(context))]
    weighted += [(w, weight(w)) for w in content_words(normalize(asked))]
    for word, w in weighted:
        key = _key(word)
        if key in seen:
            if w > seen[key].weight:
                seen[key] = _Term(word, key, w)
            continue
        seen[key] = _Term(word, key, w)
    return list(seen.values())


def _topic_label(sentence: str, terms: Sequence[_Term]) -> str:
    """A short name for what was asked about: "the footstool" ("my footstool" in the
    question), else the question's heaviest word in quotes."""
    low = normalize(sentence)
    keys = {t.key for t in terms if t.weight > GENERIC_WEIGHT}
    for match in lexicon.DETERMINER.finditer(low):
        phrase = match.group(1).split()
        kept = [w for w in phrase if w not in lexicon.STOPWORDS]
        if not kept:
            continue
        if len(kept) == 2 and (
            kept[1] in lexicon.VERBS or (_key(kept[0]) in keys and kept[1] in lexicon.GENERIC)
        ):
            kept = kept[:1]
        if _key(kept[-1]) in keys:
            return "the " + " ".join(kept)
    heavy = [t for t in terms if t.weight > GENERIC_WEIGHT] or list(terms)
    if not heavy:
        return "this"
    word = heavy[0].word
    return lexicon.PHRASE_LABELS.get(word, f"“{word}”")


def _topic_addressed(terms: Sequence[_Term], keys: set[str], needed: float) -> bool:
    total = sum(t.weight for t in terms)
    if total == 0:
        return True
    hit = [t for t in terms if _key_in(t.key, keys)]
    covered = sum(t.weight for t in hit)
    return covered / total >= needed


def _skipped(sentence: str) -> bool:
    low = sentence.lower()
    if lexicon.SKIP.match(low):
        return True
    # A signature or a one-word line ("Maria", "Best, Tom"), not a question.
    return len(words(low)) <= 2 and not is_question(low)


def _question_units(texts: Iterable[str]) -> list[str]:
    units: list[str] = []
    for text in list(texts)[:MAX_TEXTS]:
        parts = [s for s in sentences(text[:MAX_CHARS]) if not _skipped(s)]
        parts = [s for s in parts if not lexicon.RHETORICAL.search(s.lower())]
        asked = [i for i, s in enumerate(parts) if is_question(s)]
        if asked:
            for i in asked:
                # The statement just before a question is its context ("The vase
                # arrived smashed. Can you send a new one?").
                before = parts[i - 1] if i > 0 and (i - 1) not in asked else ""
                units.append(f"{before}\n{parts[i]}" if before else parts[i])
        elif parts:
            units.append(" ".join(parts))
    return units


def questions_of(texts: Iterable[str]) -> list[tuple[str, list[_Term], list[str]]]:
    """The checkable questions: each with its topic terms and the answer kinds it wants.
    A question with only generic words and no answer kind cannot be checked and is left
    out (a reply cannot be said to miss "Can you help?")."""
    found: list[tuple[str, list[_Term], list[str]]] = []
    for unit in _question_units(texts):
        terms = _terms(unit)
        kinds = answer_kinds(unit)
        if not kinds and not any(t.weight > GENERIC_WEIGHT for t in terms):
            continue
        if not any(t.weight > GENERIC_WEIGHT for t in terms):
            terms = []
        found.append((unit, terms, kinds))
        if len(found) >= MAX_QUESTIONS:
            break
    return found


def _assess(
    unit: str, terms: list[_Term], kinds: list[str], reply_low: str, keys: set[str]
) -> Question:
    aspects: list[Aspect] = []
    if terms:
        needed = TOPIC_COVERAGE if is_question(unit.rpartition("\n")[2]) else STATEMENT_COVERAGE
        addressed = _topic_addressed(terms, keys, needed)
        aspects.append(Aspect(TOPIC, _topic_label(unit, terms), addressed))
    for kind in kinds:
        ok = bool(ANSWER_PATTERNS[kind].search(reply_low))
        aspects.append(Aspect(kind, ANSWER_LABELS[kind], ok))
    text = " ".join(unit.split())
    return Question(text=text[:300], aspects=tuple(aspects))


def check(
    texts: Sequence[str],
    reply: str,
    *,
    customer: str = "The customer",
    pinned: str = "",
    answered_by: Sequence[str] = (),
) -> Coverage:
    """Compare the reply with the questions in ``texts`` (the customer's messages since
    the last public reply) and in ``pinned`` (the original request); questions of the
    pinned request that an earlier public reply (``answered_by``) already addressed are
    not asked again."""
    reply_low = normalize(reply)
    keys = reply_keys(reply)
    earlier_low = normalize("\n".join(answered_by)[:MAX_CHARS])
    earlier_keys = reply_keys(earlier_low)
    assessed: list[Question] = []
    if pinned:
        for unit, terms, kinds in questions_of([pinned]):
            if answered_by and _assess(unit, terms, kinds, earlier_low, earlier_keys).addressed:
                continue
            assessed.append(_assess(unit, terms, kinds, reply_low, keys))
    seen = {q.text for q in assessed}
    for unit, terms, kinds in questions_of(texts):
        question = _assess(unit, terms, kinds, reply_low, keys)
        if question.text not in seen and len(assessed) < MAX_QUESTIONS:
            assessed.append(question)
            seen.add(question.text)
    missing: list[str] = []
    for q in assessed:
        for aspect in q.missing:
            if aspect.label not in missing:
                missing.append(aspect.label)
    return Coverage(questions=tuple(assessed), customer=customer, missing=tuple(missing))
