"""Email ingest throughput: messages per second for one worker process.

Stores the corpus raw-first in batches (``do_store_raw_batch``: checksum, idempotency key,
one commit per batch) and files each batch as the worker's task does
(``do_process_batch``: parse, thread, customer match, case or message with SLA deadlines,
search entries, attachments, links, participants, follow-up tasks into the database
queue; one commit per batch, filed in rounds of a few statements each) — the whole path
a message takes, in one process. Two corpora of 5-50 KB messages, new requests and
threaded replies, 10 % machine mail: ``typical`` is customer mail as it comes (a few
short paragraphs, a signature, quoted history on replies, Outlook-style HTML
alternatives, a quarter with an attachment); ``text-heavy`` carries 3-30 KB of *new* text
in every message, a stress case for search indexing. The desk has the demo's SLA
policies. Prints msg/s; the time per message split into CPU in this process (and of it,
parsing alone) and waiting (for the database, which shares the machine, or for a CPU);
the queries and commits per message (which do not depend on the machine's load) and the
load average (which the msg/s very much do).

    python -m bench.email_ingest                 # SQLite, and PostgreSQL if reachable
    python -m bench.email_ingest --messages 3000 --databases sqlite --corpus typical
    python -m bench.email_ingest --batch 1       # one message per transaction, for comparison
    PG_URL=postgres://user@host/db python -m bench.email_ingest

Each database run happens in a fresh child process with a fresh, migrated database.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any

TARGET_PG = 300.0


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


def build_corpus(count: int, seed: int = 42, kind: str = "typical") -> list[bytes]:
    """``count`` messages of 5-50 KB from a quarter as many senders: new requests and
    threaded replies, 10 % machine mail (auto-replies, bulk).

    ``typical``: what customers send: short new text, signature, quoted history on
    replies, Outlook-style HTML alternatives, a quarter with an attachment (scan, photo).
    ``text-heavy``: 3-30 KB of *new* text in every message (stresses search indexing)."""
    rng = random.Random(seed)
    senders = [f"customer{i}@example{i % 37}.test" for i in range(max(count // 4, 10))]
    threads: dict[str, tuple[str, str]] = {}
    corpus = []
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


class DbCounter:
    """Counts statements and durable commits (transactions that wrote) on a connection."""

    WRITES = ("INSERT", "UPDATE", "DELETE")

    def __init__(self, connection: Any) -> None:
        self.connection = connection
        self.queries = 0
        self.commits = 0
        self._dirty = False

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        self.queries += 1
        if sql.lstrip()[:6].upper() in self.WRITES:
            if self.connection.in_atomic_block:
                self._dirty = True
            else:
                self.commits += 1  # autocommit: this statement is its own commit
        return execute(sql, params, many, context)

    def install(self) -> None:
        real_commit = self.connection.commit

        def commit() -> None:
            if self._dirty:
                self.commits += 1
                self._dirty = False
            real_commit()

        self.connection.commit = commit
        self.connection.execute_wrappers.append(self)


def run_child(count: int, batch: int, kind: str) -> dict[str, object]:
    """In the child: migrate a fresh database, then ingest the corpus and time it."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", interactive=False, verbosity=0)
    from caredesk.channels.email.actions import do_process_batch, do_store_raw_batch
    from caredesk.channels.email.intake import from_bytes
    from caredesk.channels.email.models import RawMessage
    from caredesk.core.clock import now
    from caredesk.demo.service_levels import ensure_service_levels

    ensure_service_levels()  # a real desk has SLA policies: every new case gets deadlines

    def ingest(messages: list[bytes], channel: str) -> None:
        # As the worker does it: a poll stores a fetched batch raw-first (one commit), then
        # the processing task files that batch (one commit).
        for start in range(0, len(messages), batch):
            chunk = [from_bytes(m) for m in messages[start : start + batch]]
            stored = do_store_raw_batch(chunk, channel=channel, now=now())
            do_process_batch([row.pk for row, _ in stored], now=now(), limit=batch)

    corpus = build_corpus(count, kind=kind)
    ingest(build_corpus(50, seed=7, kind=kind), "bench-warmup")
    counter = DbCounter(connection)
    counter.install()
    total_bytes = sum(len(m) for m in corpus)
    load = os.getloadavg()[0]
    started, cpu_started = time.perf_counter(), time.process_time()
    ingest(corpus, "bench")
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    parse_cpu = _parse_cpu(corpus)
    states: dict[str, int] = {}
    for state in RawMessage.objects.filter(channel="bench").values_list("state", flat=True):
        states[state] = states.get(state, 0) + 1
    return {
        "database": connection.vendor,
        "corpus": kind,
        "messages": count,
        "batch": batch,
        "mean_kb": round(total_bytes / count / 1024, 1),
        "seconds": round(elapsed, 2),
        "per_second": round(count / elapsed, 1),
        "cpu_ms": round(cpu * 1000 / count, 2),
        "parse_cpu_ms": round(parse_cpu * 1000 / count, 2),
        "wait_ms": round(max(0.0, elapsed - cpu) * 1000 / count, 2),
        "queries_per_message": round(counter.queries / count, 1),
        "commits_per_message": round(counter.commits / count, 2),
        "load_before": round(load, 2),
        "load_after": round(os.getloadavg()[0], 2),
        "outcomes": states,
    }


def _parse_cpu(corpus: list[bytes]) -> float:
    """CPU seconds the worker spends in parsing alone (the standard library's parser
    plus caredesk's reading of the parts), measured apart on the same messages."""
    from django.conf import settings

    from caredesk.channels.email.parsing import parse_message

    started = time.process_time()
    for raw in corpus:
        parse_message(
            raw,
            max_attachments=settings.CAREDESK_MAX_ATTACHMENTS,
            max_attachment_bytes=settings.CAREDESK_MAX_ATTACHMENT_BYTES,
        )
    return time.process_time() - started


def _pg_database(url: str) -> tuple[str, str] | None:
    """Create a throwaway database next to ``url``; returns (its url, admin url)."""
    try:
        import psycopg
    except ImportError:
        return None
    name = f"caredesk_bench_email_{os.getpid()}"
    base = url.rsplit("/", 1)[0]
    url = f"{base}/postgres"  # the maintenance database always exists
    try:
        with psycopg.connect(url, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
    except Exception as exc:
        print(f"PostgreSQL skipped: {exc}".splitlines()[0], file=sys.stderr)
        return None
    return f"{base}/{name}", url


def _drop_pg(url: str, admin_url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=1500)
    parser.add_argument("--databases", default="sqlite,postgres")
    parser.add_argument(
        "--batch",
        type=int,
        default=200,
        help="messages per stored/filed batch, as CAREDESK_EMAIL_BATCH (1: one by one)",
    )
    parser.add_argument(
        "--corpus",
        default="typical,text-heavy",
        help="typical (customer mail as it comes) and/or text-heavy (3-30 KB of new text)",
    )
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(run_child(args.messages, max(1, args.batch), args.corpus)))
        return 0
    results = []
    runs = [(d, c) for d in args.databases.split(",") for c in args.corpus.split(",")]
    for database, corpus in runs:
        with tempfile.TemporaryDirectory() as tmp:
            env = {
                **os.environ,
                "CAREDESK_DATA_DIR": tmp,
                "CAREDESK_TESTING": "false",
                "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
                "LOG_LEVEL": "ERROR",
            }
            cleanup = None
            if database == "sqlite":
                env["DATABASE_URL"] = f"sqlite:///{tmp}/bench.sqlite3"
            else:
                pg = _pg_database(
                    os.environ.get("PG_URL", "postgres://postgres@127.0.0.1:5432/caredesk")
                )
                if pg is None:
                    continue
                env["DATABASE_URL"], cleanup = pg
            try:
                out = subprocess.run(  # noqa: S603
                    [
                        sys.executable,
                        "-m",
                        "bench.email_ingest",
                        "--child",
                        "--messages",
                        str(args.messages),
                        "--batch",
                        str(args.batch),
                        "--corpus",
                        corpus,
                    ],
                    env=env,
                    capture_output=True,
                    text=True,
                    timeout=1800,
                )
            finally:
                if cleanup:
                    _drop_pg(env["DATABASE_URL"], cleanup)
            if out.returncode != 0:
                print(out.stderr, file=sys.stderr)
                return 1
            results.append(json.loads(out.stdout.strip().splitlines()[-1]))
    print("email ingest (store raw + parse + thread + file), one worker process:")
    for r in results:
        note = ""
        if r["database"] == "postgresql" and r["corpus"] == "typical":
            met = float(r["per_second"]) >= TARGET_PG
            note = f"  (target ≥ {TARGET_PG:.0f}/s: {'met' if met else 'NOT met'})"
        print(
            f"  {r['database']:<10} {r['corpus']:<10} {r['messages']} messages, "
            f"mean {r['mean_kb']} KB, "
            f"batches of {r['batch']}: {r['per_second']} msg/s in {r['seconds']} s{note}\n"
            f"             per message: {1000 / float(r['per_second']):.2f} ms = "
            f"{r['cpu_ms']} ms of CPU in this process (parsing alone {r['parse_cpu_ms']} ms) "
            f"+ {r['wait_ms']} ms waiting (for the database, or for a CPU)\n"
            f"             {r['queries_per_message']} queries and {r['commits_per_message']} "
            f"commits per message; load average {r['load_before']} -> {r['load_after']} "
            f"({os.cpu_count()} CPUs); outcomes {r['outcomes']}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
