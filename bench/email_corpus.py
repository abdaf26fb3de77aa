"""The email bench's corpora: customer mail of 5-50 KB, generated (no data set to download).

``typical`` is customer mail as it comes (a few short paragraphs, a signature, quoted
history on replies, Outlook-style HTML alternatives, a quarter with an attachment);
``text-heavy`` carries 3-30 KB of *new* text in every message, a stress case for search
indexing. Both mix new requests, threaded replies and 10 % machine mail.
"""

from __future__ import annotations

import random
from email.message import EmailMessage
from email.utils import make_msgid

_VOCABULARY = [
    "order",
    "parcel",
    "delivery",
    "invoice",
    "refund",
    "account",
    "password",
    "kettle",
    "charger",
    "warranty",
    "address",
    "street",
    "number",
    "missing",
    "charged",
    "twice",
    "tracking",
    "courier",
    "weekend",
    "yesterday",
    "tomorrow",
    "morning",
    "afternoon",
    "please",
    "thanks",
    "hello",
    "again",
    "still",
    "waiting",
    "broken",
    "arrived",
    "damaged",
    "replacement",
    "subscription",
    "cancel",
    "renewal",
    "payment",
    "card",
    "bank",
    "transfer",
    "receipt",
    "support",
    "ticket",
    "colleague",
    "manager",
    "urgent",
    "update",
    "screenshot",
    "attached",
    "error",
    "message",
    "login",
    "email",
    "phone",
    "number",
    "website",
    "app",
    "version",
    "settings",
    "printer",
    "office",
    "shipment",
    "customs",
    "label",
    "return",
    "box",
    "scratched",
    "screen",
    "battery",
    "cable",
    "adapter",
    "model",
    "serial",
    "promised",
    "called",
    "spoke",
    "agent",
    "last",
    "week",
    "nobody",
    "answered",
    "disappointed",
    "happy",
    "grateful",
    "appreciate",
    "quickly",
    "possible",
    "confirm",
    "whether",
    "could",
    "would",
    "should",
    "because",
    "although",
]

_CSS = (
    '<style><!--\n@font-face {font-family:"Cambria Math"; panose-1:2 4 5 3 5 4 6 3 2 4;}\n'
    "p.MsoNormal, li.MsoNormal, div.MsoNormal {margin:0cm; font-size:11.0pt; "
    'font-family:"Calibri",sans-serif;}\na:link, span.MsoHyperlink {mso-style-priority:99; '
    "color:#0563C1; text-decoration:underline;}\nspan.EmailStyle17 {mso-style-type:personal-"
    'compose; font-family:"Calibri",sans-serif; color:windowtext;}\n.MsoChpDefault '
    '{mso-style-type:export-only; font-family:"Calibri",sans-serif;}\n@page WordSection1 '
    "{size:612.0pt 792.0pt; margin:72.0pt 72.0pt 72.0pt 72.0pt;}\ndiv.WordSection1 "
    "{page:WordSection1;}\n--></style>"
)


def _sentence(rng: random.Random) -> str:
    return " ".join(rng.choices(_VOCABULARY, k=rng.randint(6, 18))).capitalize() + "."


def _paragraph(rng: random.Random) -> str:
    return " ".join(_sentence(rng) for _ in range(rng.randint(1, 4)))


def _html(paragraphs: list[str], quoted: list[str]) -> str:
    """Outlook-style HTML: a style block, classed paragraphs with inline styles."""
    span = "<span style='font-size:11.0pt;font-family:\"Calibri\",sans-serif;color:#1F497D'>"
    body = "".join(f"<p class=MsoNormal>{span}{p}</span></p>\n" for p in paragraphs)
    history = "".join(f"<p class=MsoNormal>{span}{q}</span></p>\n" for q in quoted)
    return (
        f"<html><head><meta http-equiv=Content-Type content='text/html; charset=utf-8'>{_CSS}"
        f"</head><body lang=EN-GB link='#0563C1' vlink='#954F72'><div class=WordSection1>"
        f"{body}<div style='border:none;border-top:solid #E1E1E1 1.0pt;padding:3.0pt 0cm 0cm'>"
        f"<blockquote style='margin-left:30pt'>{history}</blockquote></div></div></body></html>"
    )


def _typical_body(rng: random.Random, reply: bool) -> tuple[str, str | None]:
    """A customer email as they come: a few short paragraphs of new text, a signature,
    on replies the quoted history; often an HTML alternative. Returns (text, html)."""
    paragraphs = [_paragraph(rng) for _ in range(rng.randint(1, 5))]
    quoted = [_paragraph(rng) for _ in range(rng.randint(4, 40))] if reply else []
    text = "\n\n".join(["Hello,", *paragraphs, "Kind regards,\nSam"])
    text += "\n-- \nSam Example | Example Ltd | +44 20 7946 0000\n"
    if quoted:
        text += "\nOn Monday, Support <support@caredesk.localhost> wrote:\n"
        text += "\n".join("> " + q for q in quoted) + "\n"
    html = _html(paragraphs, quoted) if rng.random() < 0.7 else None
    return text, html


def _text_heavy_body(rng: random.Random) -> tuple[str, str | None]:
    """3-30 KB of new text per message: far more than customers write; a stress case."""
    size = rng.randint(5_000, 50_000)
    paragraphs: list[str] = []
    while sum(len(p) for p in paragraphs) < size * 0.6:
        paragraphs.append(" ".join(rng.choices(_VOCABULARY[:18], k=60)))
    text = "\n\n".join(paragraphs)
    quoted = "\n".join("> " + line for line in paragraphs[0][:800].split(" "))
    text = f"{text}\n\nOn Monday, caredesk wrote:\n{quoted}\n"
    html = "<div><p>" + "</p><p>".join(paragraphs) + "</p></div>" if rng.random() < 0.5 else None
    return text, html


def build_corpus(
    count: int, seed: int = 42, kind: str = "typical", senders_from: str = ""
) -> list[bytes]:
    """``count`` messages of 5-50 KB from a quarter as many senders: new requests and
    threaded replies, 10 % machine mail (auto-replies, bulk).

    ``typical``: what customers send: short new text, signature, quoted history on
    replies, Outlook-style HTML alternatives, a quarter with an attachment (scan, photo).
    ``text-heavy``: 3-30 KB of *new* text in every message (stresses search indexing).
    ``senders_from`` sets the senders apart (one corpus per parallel worker)."""
    rng = random.Random(seed)
    senders = [
        f"customer{senders_from}{i}@example{i % 37}.test" for i in range(max(count // 4, 10))
    ]
    threads: dict[str, tuple[str, str]] = {}
    corpus: list[bytes] = []
    while len(corpus) < count:
        i = len(corpus)
        sender = rng.choice(senders)
        msg = EmailMessage()
        roll = rng.random()
        msg["From"] = f"Customer {i} <{sender}>"
        msg["To"] = "support@caredesk.localhost"
        msg["Message-ID"] = make_msgid(domain="bench.test")
        reply = sender in threads and roll < 0.4
        if reply:
            parent_id, parent_subject = threads[sender]
            msg["Subject"] = f"Re: {parent_subject}"
            msg["In-Reply-To"] = parent_id
            msg["References"] = parent_id
        else:
            msg["Subject"] = " ".join(rng.choices(_VOCABULARY, k=5)).capitalize()
        if 0.9 <= roll < 0.95:
            msg["Auto-Submitted"] = "auto-replied"
        if roll >= 0.95:
            msg["Precedence"] = "bulk"
        if kind == "typical":
            text, html = _typical_body(rng, reply)
        else:
            text, html = _text_heavy_body(rng)
        msg.set_content(text)
        if html is not None:
            msg.add_alternative(html, subtype="html")
        if rng.random() < (0.25 if kind == "typical" else 0.2):
            subtype, name = rng.choice([("pdf", "scan.pdf"), ("png", "photo.png")])
            maintype = "image" if subtype == "png" else "application"
            msg.add_attachment(
                rng.randbytes(rng.randint(2_000, 25_000)),
                maintype=maintype,
                subtype=subtype,
                filename=name,
            )
        data = msg.as_bytes()
        if not 5_000 <= len(data) <= 50_000:
            continue  # outside the "typical 5-50 KB": draw another
        threads.setdefault(sender, (msg["Message-ID"], str(msg["Subject"])))
        corpus.append(data)
    return corpus
