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
    python -m bench.email_ingest --processes 2   # two workers at once, each its own mail
    PG_URL=postgres://user@host/db python -m bench.email_ingest

Each database run happens in fresh child processes with a fresh, migrated database. With
``--processes N`` the children prepare (corpus, warm-up), start together, and each files
its own mail (other senders) as one worker would; the total is all their messages over
the time from the common start to the last one's end.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from typing import Any

from bench.email_corpus import build_corpus

TARGET_PG = 300.0


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


def _setup_child() -> None:
    """Migrate the fresh database and give the desk the demo's SLA policies."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    from caredesk.demo.service_levels import ensure_service_levels

    ensure_service_levels()  # a real desk has SLA policies: every new case gets deadlines


def run_child(
    count: int, batch: int, kind: str, *, worker: int = 0, wait_for_start: Any = None
) -> dict[str, object]:
    """In the child: ingest the corpus and time it (the database is set up already).
    ``wait_for_start``: called once prepared (corpus built, warmed up), returns at the start."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.db import connection

    from caredesk.channels.email.actions import do_process_batch, do_store_raw_batch
    from caredesk.channels.email.intake import from_bytes
    from caredesk.channels.email.models import RawMessage
    from caredesk.core.clock import now

    def ingest(messages: list[bytes], channel: str) -> None:
        # As the worker does it: a poll stores a fetched batch raw-first (one commit), then
        # the processing task files that batch (one commit).
        for start in range(0, len(messages), batch):
            chunk = [from_bytes(m) for m in messages[start : start + batch]]
            stored = do_store_raw_batch(chunk, channel=channel, now=now())
            do_process_batch([row.pk for row, _ in stored], now=now(), limit=batch)

    apart = f"w{worker}-" if worker else ""
    corpus = build_corpus(count, seed=42 + worker, kind=kind, senders_from=apart)
    ingest(build_corpus(50, seed=7, kind=kind, senders_from=f"{apart}warm"), f"warmup{apart}")
    counter = DbCounter(connection)
    counter.install()
    total_bytes = sum(len(m) for m in corpus)
    if wait_for_start is not None:
        wait_for_start()
    load = os.getloadavg()[0]
    started, cpu_started = time.perf_counter(), time.process_time()
    ingest(corpus, f"bench{apart}")
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    ended_at = time.time()
    parse_cpu = _parse_cpu(corpus)
    states: dict[str, int] = {}
    rows = RawMessage.objects.filter(channel=f"bench{apart}").values_list("state", flat=True)
    for state in rows:
        states[state] = states.get(state, 0) + 1
    return {
        "database": connection.vendor,
        "corpus": kind,
        "messages": count,
        "batch": batch,
        "mean_kb": round(total_bytes / count / 1024, 1),
        "seconds": round(elapsed, 2),
        "ended_at": ended_at,
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


def _child_main(args: argparse.Namespace) -> int:
    if args.setup:
        _setup_child()
        return 0

    def wait_for_start() -> None:
        print("ready", flush=True)  # to the parent, which answers when all are ready
        sys.stdin.readline()

    result = run_child(
        args.messages,
        max(1, args.batch),
        args.corpus,
        worker=args.worker,
        wait_for_start=wait_for_start,
    )
    print(json.dumps(result), flush=True)
    return 0


def _run_workers(args: argparse.Namespace, corpus: str, env: dict[str, str]) -> list[Any]:
    """Set the database up, start ``--processes`` workers together, collect their results."""
    child = [sys.executable, "-m", "bench.email_ingest", "--child"]
    options = ["--messages", str(args.messages), "--batch", str(args.batch), "--corpus", corpus]
    setup = subprocess.run(  # noqa: S603
        [*child, "--setup"], env=env, capture_output=True, text=True, timeout=600
    )
    if setup.returncode != 0:
        raise RuntimeError(setup.stderr)
    workers = [
        subprocess.Popen(  # noqa: S603
            [*child, *options, "--worker", str(n)],
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for n in range(args.processes)
    ]
    for worker in workers:
        assert worker.stdout is not None
        if worker.stdout.readline().strip() != "ready":
            raise RuntimeError("a bench worker failed before the start (see above)")
    go = time.time()
    for worker in workers:
        assert worker.stdin is not None
        worker.stdin.write("go\n")
        worker.stdin.flush()
    results = []
    for worker in workers:
        out, _ = worker.communicate(timeout=1800)
        if worker.returncode != 0:
            raise RuntimeError("a bench worker failed (see above)")
        result = json.loads(out.strip().splitlines()[-1])
        result["started_at"] = go
        results.append(result)
    return results


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
    parser.add_argument(
        "--processes", type=int, default=1, help="workers filing mail at the same time"
    )
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--setup", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--worker", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return _child_main(args)
    if args.processes < 1:
        parser.error("--processes must be at least 1")
    results: list[list[Any]] = []
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
                results.append(_run_workers(args, corpus, env))
            except RuntimeError as exc:
                print(exc, file=sys.stderr)
                return 1
            finally:
                if cleanup:
                    _drop_pg(env["DATABASE_URL"], cleanup)
    workers = "one worker process" if args.processes == 1 else f"{args.processes} workers"
    print(f"email ingest (store raw + parse + thread + file), {workers}:")
    for run in results:
        for r in run:
            _print_worker(r, note=len(run) == 1)
        if len(run) > 1:
            total = sum(int(r["messages"]) for r in run)
            seconds = max(float(r["ended_at"]) for r in run) - float(run[0]["started_at"])
            print(
                f"  {run[0]['database']:<10} {run[0]['corpus']:<10} all {len(run)} together: "
                f"{total} messages in {seconds:.2f} s = {total / seconds:.1f} msg/s"
            )
    return 0


def _print_worker(r: dict[str, Any], *, note: bool) -> None:
    target = ""
    if note and r["database"] == "postgresql" and r["corpus"] == "typical":
        met = float(r["per_second"]) >= TARGET_PG
        target = f"  (target ≥ {TARGET_PG:.0f}/s: {'met' if met else 'NOT met'})"
    print(
        f"  {r['database']:<10} {r['corpus']:<10} {r['messages']} messages, "
        f"mean {r['mean_kb']} KB, "
        f"batches of {r['batch']}: {r['per_second']} msg/s in {r['seconds']} s{target}\n"
        f"             per message: {1000 / float(r['per_second']):.2f} ms = "
        f"{r['cpu_ms']} ms of CPU in this process (parsing alone {r['parse_cpu_ms']} ms) "
        f"+ {r['wait_ms']} ms waiting (for the database, or for a CPU)\n"
        f"             {r['queries_per_message']} queries and {r['commits_per_message']} "
        f"commits per message; load average {r['load_before']} -> {r['load_after']} "
        f"({os.cpu_count()} CPUs); outcomes {r['outcomes']}"
    )


if __name__ == "__main__":
    sys.exit(main())
