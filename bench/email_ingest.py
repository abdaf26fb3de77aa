"""Email ingest throughput: messages per second for one worker process.

Stores the corpus raw-first in batches (``do_store_raw_batch``: checksum, idempotency key,
one commit per batch) and files each batch as the worker's task does
(``do_process_batch``: parse, thread, customer match, case or message with SLA deadlines,
links, participants, follow-up tasks into the database queue; one commit per batch, one
savepoint per message) — the whole path a message takes, in one process. The corpus is
mixed and typical: new requests and threaded replies of 5-50 KB, some with HTML and
attachments, some machine mail. The desk has the demo's SLA policies. Prints msg/s, the
queries and commits per message (which do not depend on the machine's load) and the load
average (which the msg/s very much do).

    python -m bench.email_ingest                 # SQLite, and PostgreSQL if reachable
    python -m bench.email_ingest --messages 3000 --databases sqlite
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


def build_corpus(count: int, seed: int = 42) -> list[bytes]:
    rng = random.Random(seed)
    words = [
        "parcel",
        "delivery",
        "invoice",
        "refund",
        "order",
        "account",
        "password",
        "broken",
        "kettle",
        "please",
        "thanks",
        "tomorrow",
        "address",
        "street",
        "number",
        "missing",
        "charge",
        "twice",
    ]
    senders = [f"customer{i}@example{i % 37}.test" for i in range(max(count // 4, 10))]
    threads: dict[str, tuple[str, str]] = {}
    corpus = []
    for i in range(count):
        sender = rng.choice(senders)
        msg = EmailMessage()
        kind = rng.random()
        subject = " ".join(rng.choices(words, k=5)).capitalize()
        msg["From"] = f"Customer {i} <{sender}>"
        msg["To"] = "support@caredesk.localhost"
        msg["Message-ID"] = make_msgid(domain="bench.test")
        if sender in threads and kind < 0.4:
            parent_id, parent_subject = threads[sender]
            msg["Subject"] = f"Re: {parent_subject}"
            msg["In-Reply-To"] = parent_id
            msg["References"] = parent_id
        else:
            msg["Subject"] = subject
        if 0.9 <= kind < 0.95:
            msg["Auto-Submitted"] = "auto-replied"
        if kind >= 0.95:
            msg["Precedence"] = "bulk"
        size = rng.randint(5_000, 50_000)
        paragraphs = []
        while sum(len(p) for p in paragraphs) < size * 0.6:
            paragraphs.append(" ".join(rng.choices(words, k=60)))
        text = "\n\n".join(paragraphs)
        quoted = "\n".join("> " + line for line in paragraphs[0][:800].split(" "))
        msg.set_content(f"{text}\n\nOn Monday, caredesk wrote:\n{quoted}\n")
        if rng.random() < 0.5:
            msg.add_alternative(
                "<div><p>" + "</p><p>".join(paragraphs) + "</p></div>", subtype="html"
            )
        if rng.random() < 0.2:
            msg.add_attachment(
                rng.randbytes(rng.randint(2_000, 12_000)),
                maintype="application",
                subtype="pdf",
                filename="scan.pdf",
            )
        threads.setdefault(sender, (msg["Message-ID"], str(msg["Subject"])))
        corpus.append(msg.as_bytes())
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


def run_child(count: int, batch: int) -> dict[str, object]:
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
        # the processing task files that batch (one commit, one savepoint per message).
        for start in range(0, len(messages), batch):
            chunk = [from_bytes(m) for m in messages[start : start + batch]]
            stored = do_store_raw_batch(chunk, channel=channel, now=now())
            do_process_batch([row.pk for row, _ in stored], now=now(), limit=batch)

    corpus = build_corpus(count)
    ingest(build_corpus(50, seed=7), "bench-warmup")
    counter = DbCounter(connection)
    counter.install()
    total_bytes = sum(len(m) for m in corpus)
    load = os.getloadavg()[0]
    started = time.perf_counter()
    ingest(corpus, "bench")
    elapsed = time.perf_counter() - started
    states: dict[str, int] = {}
    for state in RawMessage.objects.filter(channel="bench").values_list("state", flat=True):
        states[state] = states.get(state, 0) + 1
    return {
        "database": connection.vendor,
        "messages": count,
        "batch": batch,
        "mean_kb": round(total_bytes / count / 1024, 1),
        "seconds": round(elapsed, 2),
        "per_second": round(count / elapsed, 1),
        "queries_per_message": round(counter.queries / count, 1),
        "commits_per_message": round(counter.commits / count, 2),
        "load_before": round(load, 2),
        "load_after": round(os.getloadavg()[0], 2),
        "outcomes": states,
    }


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
        "--batch", type=int, default=50, help="messages per stored/filed batch (1: one by one)"
    )
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(run_child(args.messages, max(1, args.batch))))
        return 0
    results = []
    for database in args.databases.split(","):
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
        if r["database"] == "postgresql":
            met = float(r["per_second"]) >= TARGET_PG
            note = f"  (target ≥ {TARGET_PG:.0f}/s: {'met' if met else 'NOT met'})"
        print(
            f"  {r['database']:<10} {r['messages']} messages, mean {r['mean_kb']} KB, "
            f"batches of {r['batch']}: {r['per_second']} msg/s in {r['seconds']} s{note}\n"
            f"             {r['queries_per_message']} queries and {r['commits_per_message']} "
            f"commits per message; load average {r['load_before']} -> {r['load_after']} "
            f"({os.cpu_count()} CPUs); outcomes {r['outcomes']}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
