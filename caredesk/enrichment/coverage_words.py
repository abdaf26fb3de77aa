"""Word lists and patterns of the reply coverage check (:mod:`caredesk.enrichment.coverage`).

Curated by hand for English customer-care mail; extend them with labelled pairs in
``tests/enrichment/data/reply_coverage.tsv`` (docs/replies.md).
"""

from __future__ import annotations

import re


def wordlist(text: str) -> frozenset[str]:
    return frozenset(text.split())


STOPWORDS = wordlist(
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
GENERIC = wordlist(
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
VERBS = wordlist(
    """
    arrive arrived arrives come comes coming be been is are was were go goes work works
    ship ships shipped get gets look looks show shows turn stop stops start starts fit
    fits break breaks broke cost costs charge charged take takes need needs stay leave
    appear appears load loads open opens happen happens reach reaches
    """
)


PHRASES = [
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
PHRASE_LABELS = {
    "moneyback": "the money back",
    "sendback": "sending it back",
    "signin": "signing in",
}

SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")
QUESTION_START = re.compile(
    r"^(?:and |but |so |also |then |ok |okay |hi |hello )*(?:when|where|why|how|what|which|who|"
    r"whom|whose|can|could|will|would|is|are|am|was|were|do|does|did|should|shall|may|have|"
    r"has|any|anyone)\b"
)
REQUEST = re.compile(
    r"\b(?:please|kindly|i need|i want|i'd like|i would like|i'd appreciate|let me know|"
    r"tell me|advise|explain|confirm|send me|give me|i expect|i demand|i'm asking|i am asking|"
    r"i wonder|wondering|need to know|want to know|like to know)\b"
)
SKIP = re.compile(
    r"^(?:hi|hello|hey|dear|thanks|thank you|many thanks|cheers|regards|best|kind regards|"
    r"sincerely|yours)\b[\w ,.'!]*$"
)
RHETORICAL = re.compile(
    r"\b(?:are you (?:kidding|serious|joking)|is this (?:a joke|how you treat)|what is wrong with|"
    r"what's wrong with you|seriously\?|how hard (?:can it be|is it)|who does that|"
    r"can you believe|really\?|why me\b|what a joke|can you help(?: me)?\W*$|"
    r"could you help(?: me)?\W*$|can anyone help\W*$|any ideas\W*$|what now\W*$)"
)

TIME_ASK = re.compile(
    r"\b(?:when|what time|which day|what day|what date|which date|how long|how soon|by when|"
    r"eta|exact time|time slot|timeslot|date|how many days|how many weeks|what hour)\b"
)
AMOUNT_ASK = re.compile(
    r"\b(?:how much|what does [\w ]{1,30} cost|how many (?!days|weeks|hours|months|minutes)|"
    r"what (?:is|are|will be) the (?:price|cost|fee|charge|total|amount)|"
    r"what does it cost|what amount|the price of|cost of)\b"
)
REASON_ASK = re.compile(r"\bwhy\b|\bwhat happened\b|\bhow come\b|\bwhat went wrong\b")
STEPS_ASK = re.compile(
    r"\bhow (?:do|can|should|would) (?:i|we|you)\b|\bwhat (?:do|should) i do\b|"
    r"\bwhat are the steps\b|\bhow to\b"
)

WEEKDAYS = (
    r"monday|tuesday|wednesday|thursday|friday|saturday|sunday|mon|tue|tues|wed|thu|thur|thurs|"
    r"fri|sat|sun|weekday|weekend"
)
MONTHS = (
    r"january|february|march|april|may|june|july|august|september|october|november|december|"
    r"jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec"
)
NUMBER_WORDS = (
    r"one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|"
    r"forty|fifty|sixty|hundred|a couple of|a few|half an?"
)
TIME_ANSWER = re.compile(
    r"\b(?:today|tomorrow|tonight|this (?:morning|afternoon|evening|week)|next (?:week|month)|"
    r"(?:this|next|on|by|until|before|after) (?:" + WEEKDAYS + r")|" + WEEKDAYS + r"|"
    r"" + MONTHS + r"|morning|afternoon|evening|noon|midday|midnight|end of (?:the )?(?:day|week|"
    r"month)|within|overnight|(?:a|an|about a|about an) (?:minute|hour|day|week|month|fortnight)|"
    r"\d{1,2}(?::\d{2})?\s?(?:am|pm|a\.m\.|p\.m\.|h|o'clock)|\d{1,2}:\d{2}|\d{1,2}(?:st|nd|rd|th)|"
    r"\d{1,4}[/.-]\d{1,2}(?:[/.-]\d{2,4})?|(?:\d+|" + NUMBER_WORDS + r")\s*(?:-\s*\d+\s*)?"
    r"(?:working |business |more |calendar )?(?:minutes?|mins?|hours?|hrs?|days?|weeks?|"
    r"months?)|between \d|from \d)\b"
)
AMOUNT_ANSWER = re.compile(
    r"[£$€¥]\s?\d|\d+(?:[.,]\d+)?\s?(?:%|percent|eur|euros?|usd|dollars?|pounds?|gbp|pence|"
    r"cents?)\b|\b(?:free|no charge|free of charge|nothing|no cost|at no extra|costs? \d|is \d|"
    r"are \d|\d+(?:[.,]\d{2})\b|(?:" + NUMBER_WORDS + r") (?:of them|units?|items?|pieces?|"
    r"boxes|parcels?|left|remaining|in stock))"
)
REASON_ANSWER = re.compile(
    r"\b(?:because|due to|caused by|the cause|the reason|reason (?:is|was)|since (?:the|our|your|"
    r"we|it)|as (?:the|our|your|we|it)|owing to|as a result|this happened|that happened|"
    r"happened because|the problem was|the issue was|was a (?:mistake|error|fault|bug)|"
    r"our mistake|our error|our fault|a mistake|an error|a bug|a glitch|by mistake|"
    r"mix-up|mixup|mixed up)\b"
)
STEPS_ANSWER = re.compile(
    r"\b(?:go to|open|click|tap|select|choose|press|follow|step|steps|first|then|enter|type|"
    r"visit|log in|sign in|settings|menu|button|link|https?://|www\.|instructions|guide|"
    r"you can|you'll need to|you need to|just|simply)\b"
)


DETERMINER = re.compile(
    r"\b(?:my|the|our|your|this|that|a|an|his|her|their)\s+((?:[a-z][a-z'-]*\s+){0,1}[a-z][a-z'-]*)"
)
