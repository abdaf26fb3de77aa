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


def _wordlist(text: str) -> frozenset[str]:
    return frozenset(text.split())


STOPWORDS = _wordlist(
    """
    a about above after again against all also am an and any are aren't as at be because
    been before being below between both but by can can't cannot could couldn't did didn't
    do does doesn't doing don't down during each few for from further had hadn't has hasn't
    have haven't having he he'd he'll he's her here here's hers herself him himself his how
    how's i i'd i'll i'm i've if in into is isn't it it's its itself let's me more most
    mustn't my myself no nor not of off on once only or other ought our ours ourselves out
    over own same shan't she she'd she'll she's should shouldn't so some such than that
    that's the their theirs them themselves then there there's these they they'd they'll
    they're they've this those through to too under until up very was wasn't we we'd we'll
    we're we've were weren't what what's when when's where where's which while who who's
    whom why why's with won't would wouldn't you you'd you'll you're you've your yours
    yourself yourselves just still yet ever already really actually maybe perhaps please
    thanks thank hi hello hey dear regards kind best cheers ok okay yes yeah sure im ive
    dont cant wont didnt doesnt isnt wasnt id ill us one two get got getting will shall
    may might must also even now today tomorrow yesterday tonight soon asap again
    anyone someone something anything everything nothing thing things way lot lots bit
    nobody somebody anybody everyone everybody another instead else
    """
)

# Words every customer-care message uses: they weigh little in a question's topic.
GENERIC = _wordlist(
    """
    order ordered orders item items product products help helped issue issues problem
    problems question questions need needed want wanted like know let tell told say said
    ask asked asking make made take took see look looking come came go going went give
    given send sent sending receive received email emailed mail message messages write
    wrote contact contacted reply replied answer answered update updates news info
    information detail details support service customer team company staff agent
    someone time times day days week weeks month months hour hours minute minutes year
    still back new old good bad great fine sorry happy possible able exactly exact
    right correct wrong call phone number case ticket reference account happen happened
    happening done work working works worked use using used try tried trying keep kept
    wait waiting waited long quick quickly ago since last next first later soon already
    much many sure confirm confirmed check checked explain mean means thing way find
    found change changed please urgent urgently fix fixed sort sorted status
    promise promised show shows showed showing
    """
)

# Concepts: words (stemmed) that mean the same thing in customer care map to one key.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "refund": (
        "refund",
        "reimburse",
        "reimbursement",
        "repay",
        "repaid",
        "moneyback",
        "money",
        "credit",
        "credited",
        "chargeback",
        "compensation",
        "compensate",
    ),
    "delivery": (
        "delivery",
        "deliver",
        "delivered",
        "arrive",
        "arrival",
        "arrived",
        "ship",
        "shipped",
        "shipping",
        "shipment",
        "dispatch",
        "dispatched",
        "courier",
        "parcel",
        "package",
        "post",
        "posted",
        "postage",
        "driver",
        "transit",
        "eta",
        "van",
        "tracking",
        "track",
        "tracked",
    ),
    "cancel": (
        "cancel",
        "cancelled",
        "canceled",
        "cancellation",
        "terminate",
        "unsubscribe",
        "stop",
        "end",
        "close",
    ),
    "invoice": ("invoice", "receipt", "bill", "statement", "vat"),
    "charge": (
        "charge",
        "charged",
        "payment",
        "paid",
        "pay",
        "debit",
        "debited",
        "billed",
        "billing",
        "card",
        "transaction",
        "fee",
        "price",
        "cost",
        "costs",
        "priced",
    ),
    "login": (
        "login",
        "log",
        "logged",
        "signin",
        "sign",
        "password",
        "locked",
        "lockout",
        "reset",
        "credentials",
        "2fa",
    ),
    "damage": (
        "damage",
        "damaged",
        "broken",
        "broke",
        "break",
        "cracked",
        "crack",
        "smashed",
        "faulty",
        "defect",
        "defective",
        "dent",
        "dented",
        "scratched",
        "scratch",
        "torn",
        "ripped",
        "leak",
        "leaking",
        "fault",
    ),
    "replace": ("replace", "replacement", "exchange", "swap", "new"),
    "return": ("return", "returns", "returned", "returning", "sendback", "label", "rma"),
    "address": ("address", "postcode", "zip", "street", "flat", "house"),
    "footstool": ("footstool", "stool", "ottoman", "footrest"),
    "sofa": ("sofa", "couch", "settee"),
    "colour": ("colour", "color", "shade"),
    "subscription": (
        "subscription",
        "subscribe",
        "plan",
        "membership",
        "renewal",
        "renew",
        "renewed",
        "contract",
    ),
    "discount": ("discount", "voucher", "coupon", "promo", "promotion", "code", "offer"),
    "warranty": ("warranty", "guarantee", "guaranteed"),
    "missing": ("missing", "lost", "absent", "left", "forgot", "forgotten", "short"),
    "size": ("size", "sizes", "fit", "fits", "small", "large", "bigger", "smaller"),
    "appointment": (
        "appointment",
        "slot",
        "visit",
        "booking",
        "book",
        "booked",
        "engineer",
        "technician",
        "installer",
        "installation",
        "install",
        "fitter",
        "fitting",
        "rebook",
        "reschedule",
        "rearrange",
    ),
    "upgrade": ("upgrade", "upgraded", "downgrade", "tier", "premium"),
    "wifi": ("wifi", "internet", "broadband", "router", "connection", "network", "signal"),
    "app": ("app", "application", "website", "site", "portal", "page"),
    "battery": ("battery", "charger", "charging"),
    "manager": ("manager", "supervisor", "lead", "escalate", "escalation", "complaint"),
    "call": ("call", "callback", "ring", "rang", "phone", "phoned", "talk", "speak", "spoke"),
    "increase": ("increase", "increased", "higher", "rise", "risen", "raised", "went"),
    "data": ("data", "gdpr", "personal", "delete", "deletion", "erase"),
}

# Verbs that often follow the thing asked about ("when will my footstool arrive").
VERBS = _wordlist(
    """
    arrive arrived arrives come comes coming be been is are was were go goes work works
    ship ships shipped get gets look looks show shows turn stop stops start starts fit
    fits break breaks broke cost costs charge charged take takes need needs stay leave
    appear appears load loads open opens happen happens reach reaches
    """
)

_STEMMER = snowballstemmer.stemmer("english")


@functools.lru_cache(maxsize=4096)
def stem(word: str) -> str:
    result: str = _STEMMER.stemWord(word)
    return result


@functools.lru_cache(maxsize=1)
def _concepts() -> dict[str, str]:
    table: dict[str, str] = {}
    for key, words in SYNONYMS.items():
        for word in words:
            table.setdefault(stem(word), key)
    return table


_PHRASES = [
    (re.compile(r"\bmoney back\b|\bpaid back\b|\bpay (?:me )?back\b"), " moneyback "),
    (
        re.compile(r"\b(?:fee|charge|charges|payment|cost|costs|amount) back\b"),
        " moneyback ",
    ),
    (re.compile(r"\bsend (?:it |them |this )?back\b"), " sendback "),
    (re.compile(r"\bsign(?:ing)? in\b|\blog(?:ging)? in\b|\blog on\b"), " signin "),
    (re.compile(r"\bwi-fi\b"), " wifi "),
    (re.compile(r"\be-?mail\b"), " email "),
]
# How the joined phrases above read in a warning.
_PHRASE_LABELS = {
    "moneyback": "the money back",
    "sendback": "sending it back",
    "signin": "signing in",
}
_WORD = re.compile(r"[a-z0-9][a-z0-9']*")


def normalize(text: str) -> str:
    value = text[:MAX_CHARS].lower().replace("\u2019", "'").replace("\u2018", "'")
    for pattern, repl in _PHRASES:
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
    return [w for w in words(text) if len(w) > 1 and w not in STOPWORDS and not _TIMEISH.match(w)]


def weight(word: str) -> float:
    if word in GENERIC or stem(word) in _generic_stems():
        return GENERIC_WEIGHT
    return KEY_WEIGHT


@functools.lru_cache(maxsize=1)
def _generic_stems() -> frozenset[str]:
    return frozenset(stem(w) for w in GENERIC)


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

_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")
_QUESTION_START = re.compile(
    r"^(?:and |but |so |also |then |ok |okay |hi |hello )*(?:when|where|why|how|what|which|who|"
    r"whom|whose|can|could|will|would|is|are|am|was|were|do|does|did|should|shall|may|have|"
    r"has|any|anyone)\b"
)
_REQUEST = re.compile(
    r"\b(?:please|kindly|i need|i want|i'd like|i would like|i'd appreciate|let me know|"
    r"tell me|advise|explain|confirm|send me|give me|i expect|i demand|i'm asking|i am asking|"
    r"i wonder|wondering|need to know|want to know|like to know)\b"
)
_SKIP = re.compile(
    r"^(?:hi|hello|hey|dear|thanks|thank you|many thanks|cheers|regards|best|kind regards|"
    r"sincerely|yours)\b[\w ,.'!]*$"
)
_RHETORICAL = re.compile(
    r"\b(?:are you (?:kidding|serious|joking)|is this (?:a joke|how you treat)|what is wrong with|"
    r"what's wrong with you|seriously\?|how hard (?:can it be|is it)|who does that|"
    r"can you believe|really\?|why me\b|what a joke|can you help(?: me)?\W*$|"
    r"could you help(?: me)?\W*$|can anyone help\W*$|any ideas\W*$|what now\W*$)"
)

_TIME_ASK = re.compile(
    r"\b(?:when|what time|which day|what day|what date|which date|how long|how soon|by when|"
    r"eta|exact time|time slot|timeslot|date|how many days|how many weeks|what hour)\b"
)
_AMOUNT_ASK = re.compile(
    r"\b(?:how much|what does [\w ]{1,30} cost|how many (?!days|weeks|hours|months|minutes)|"
    r"what (?:is|are|will be) the (?:price|cost|fee|charge|total|amount)|"
    r"what does it cost|what amount|the price of|cost of)\b"
)
_REASON_ASK = re.compile(r"\bwhy\b|\bwhat happened\b|\bhow come\b|\bwhat went wrong\b")
_STEPS_ASK = re.compile(
    r"\bhow (?:do|can|should|would) (?:i|we|you)\b|\bwhat (?:do|should) i do\b|"
    r"\bwhat are the steps\b|\bhow to\b"
)

_WEEKDAYS = (
    r"monday|tuesday|wednesday|thursday|friday|saturday|sunday|mon|tue|tues|wed|thu|thur|thurs|"
    r"fri|sat|sun|weekday|weekend"
)
_MONTHS = (
    r"january|february|march|april|may|june|july|august|september|october|november|december|"
    r"jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec"
)
_NUMBER_WORDS = (
    r"one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|"
    r"forty|fifty|sixty|hundred|a couple of|a few|half an?"
)
_TIME_ANSWER = re.compile(
    r"\b(?:today|tomorrow|tonight|this (?:morning|afternoon|evening|week)|next (?:week|month)|"
    r"(?:this|next|on|by|until|before|after) (?:" + _WEEKDAYS + r")|" + _WEEKDAYS + r"|"
    r"" + _MONTHS + r"|morning|afternoon|evening|noon|midday|midnight|end of (?:the )?(?:day|week|"
    r"month)|within|overnight|(?:a|an|about a|about an) (?:minute|hour|day|week|month|fortnight)|"
    r"\d{1,2}(?::\d{2})?\s?(?:am|pm|a\.m\.|p\.m\.|h|o'clock)|\d{1,2}:\d{2}|\d{1,2}(?:st|nd|rd|th)|"
    r"\d{1,4}[/.-]\d{1,2}(?:[/.-]\d{2,4})?|(?:\d+|" + _NUMBER_WORDS + r")\s*(?:-\s*\d+\s*)?"
    r"(?:working |business |more |calendar )?(?:minutes?|mins?|hours?|hrs?|days?|weeks?|"
    r"months?)|between \d|from \d)\b"
)
_AMOUNT_ANSWER = re.compile(
    r"[£$€¥]\s?\d|\d+(?:[.,]\d+)?\s?(?:%|percent|eur|euros?|usd|dollars?|pounds?|gbp|pence|"
    r"cents?)\b|\b(?:free|no charge|free of charge|nothing|no cost|at no extra|costs? \d|is \d|"
    r"are \d|\d+(?:[.,]\d{2})\b|(?:" + _NUMBER_WORDS + r") (?:of them|units?|items?|pieces?|"
    r"boxes|parcels?|left|remaining|in stock))"
)
_REASON_ANSWER = re.compile(
    r"\b(?:because|due to|caused by|the cause|the reason|reason (?:is|was)|since (?:the|our|your|"
    r"we|it)|as (?:the|our|your|we|it)|owing to|as a result|this happened|that happened|"
    r"happened because|the problem was|the issue was|was a (?:mistake|error|fault|bug)|"
    r"our mistake|our error|our fault|a mistake|an error|a bug|a glitch|by mistake|"
    r"mix-up|mixup|mixed up)\b"
)
_STEPS_ANSWER = re.compile(
    r"\b(?:go to|open|click|tap|select|choose|press|follow|step|steps|first|then|enter|type|"
    r"visit|log in|sign in|settings|menu|button|link|https?://|www\.|instructions|guide|"
    r"you can|you'll need to|you need to|just|simply)\b"
)

ANSWER_PATTERNS = {
    TIME: _TIME_ANSWER,
    AMOUNT: _AMOUNT_ANSWER,
    REASON: _REASON_ANSWER,
    STEPS: _STEPS_ANSWER,
}

_DETERMINER = re.compile(
    r"\b(?:my|the|our|your|this|that|a|an|his|her|their)\s+((?:[a-z][a-z'-]*\s+){0,1}[a-z][a-z'-]*)"
)


def sentences(text: str) -> list[str]:
    lines = [ln for ln in text.splitlines() if not ln.lstrip().startswith(">")]
    joined = "\n".join(lines)
    return [s.strip() for s in _SENTENCE.split(joined) if s and s.strip()]


def is_question(sentence: str) -> bool:
    low = sentence.lower()
    return low.endswith("?") or bool(_QUESTION_START.match(low)) or bool(_REQUEST.search(low))


def answer_kinds(sentence: str) -> list[str]:
    """What kind of answer the question sentence wants (its context line is ignored)."""
    low = normalize(sentence.rpartition("\n")[2])
    kinds = []
    if _TIME_ASK.search(low):
        kinds.append(TIME)
    if _AMOUNT_ASK.search(low):
        kinds.append(AMOUNT)
    if _REASON_ASK.search(low):
        kinds.append(REASON)
    if _STEPS_ASK.search(low) and TIME not in kinds:
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
    for match in _DETERMINER.finditer(low):
        phrase = match.group(1).split()
        kept = [w for w in phrase if w not in STOPWORDS]
        if not kept:
            continue
        if len(kept) == 2 and (kept[1] in VERBS or (_key(kept[0]) in keys and kept[1] in GENERIC)):
            kept = kept[:1]
        if _key(kept[-1]) in keys:
            return "the " + " ".join(kept)
    heavy = [t for t in terms if t.weight > GENERIC_WEIGHT] or list(terms)
    if not heavy:
        return "this"
    word = heavy[0].word
    return _PHRASE_LABELS.get(word, f"“{word}”")


def _topic_addressed(terms: Sequence[_Term], keys: set[str], needed: float) -> bool:
    total = sum(t.weight for t in terms)
    if total == 0:
        return True
    hit = [t for t in terms if _key_in(t.key, keys)]
    covered = sum(t.weight for t in hit)
    return covered / total >= needed


def _skipped(sentence: str) -> bool:
    low = sentence.lower()
    if _SKIP.match(low):
        return True
    # A signature or a one-word line ("Maria", "Best, Tom"), not a question.
    return len(words(low)) <= 2 and not is_question(low)


def _question_units(texts: Iterable[str]) -> list[str]:
    units: list[str] = []
    for text in list(texts)[:MAX_TEXTS]:
        parts = [s for s in sentences(text[:MAX_CHARS]) if not _skipped(s)]
        parts = [s for s in parts if not _RHETORICAL.search(s.lower())]
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
