"""Import benchmark: cases per second brought in by ``caredesk import csv``.

Run: ``.venv/bin/python -m bench.import_bench`` (options: ``--cases``, ``--pg-url``).
It writes a CSV export of ``--cases`` cases with 3 messages each (the customer's request,
a public reply, the customer's answer) for 200 customers and 5 agents, migrates a
temporary SQLite database (or, with ``--pg-url``, the PostgreSQL database
``<the URL's database>_bench_import``, created and dropped here), and prints the
import's cases and messages per second. The cases go through caredesk's import action a
batch at a time (``--batch``, ADR 0037: the same rows, one audit event per case, search
entries, SLA deadlines of open cases), so this is the honest rate, not a bulk copy.
Numbers are printed, not asserted. Target in #17: 500 cases/s on PostgreSQL.
"""

from __future__ import annotations

import argparse
import csv
import os
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlparse, urlunparse

from bench.reports_bench import setup_django

DB_SUFFIX = "_bench_import"


def write_export(path: Path, cases: int) -> None:
    from caredesk.imports.csvsource import COLUMNS

    start = datetime(2026, 6, 1, 8, tzinfo=UTC)
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(COLUMNS))
        writer.writeheader()
        for n in range(cases):
            at = start + timedelta(minutes=7 * n)
            customer = f"customer{n % 200}@bench.test"
            agent = f"agent{n % 5}@old.test"
            base = {c: "" for c in COLUMNS} | {"case_id": f"Z{n}", "customer_email": customer}
            writer.writerow(
                base
                | {
                    "created_at": at.isoformat(),
                    "subject": f"Order {100000 + n} arrived late",
                    "status": "resolved",
                    "customer_name": f"Customer {n % 200}",
                    "team": "Deliveries",
                    "assignee_email": agent,
                    "tags": "delivery",
                    "body": "My order arrived two days late and the box was damaged.",
                }
            )
            writer.writerow(
                base
                | {
                    "created_at": (at + timedelta(hours=1)).isoformat(),
                    "author_email": agent,
                    "body": "Sorry for the delay; a replacement box is on its way today.",
                }
            )
            writer.writerow(
                base
                | {
                    "created_at": (at + timedelta(hours=3)).isoformat(),
                    "body": "Thank you, it arrived.",
                }
            )


def _pg(pg_url: str, drop_only: bool = False) -> str:
    import psycopg

    parts = urlparse(pg_url)
    # Its own database, named after the URL's (so runs against different databases do
    # not collide): .../caredesk -> caredesk_bench_import, never the URL's database itself.
    name = f"{parts.path.strip('/') or 'caredesk'}{DB_SUFFIX}"
    if not name.replace("_", "").isalnum():
        raise SystemExit(f"import_bench: not a plain database name: {name!r}")
    with psycopg.connect(urlunparse(parts._replace(path="/postgres")), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if not drop_only:
            conn.execute(f'CREATE DATABASE "{name}"')
    return urlunparse(parts._replace(path=f"/{name}"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1000)
    parser.add_argument("--pg-url", default="")
    parser.add_argument("--batch", type=int, default=0, help="cases per transaction")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = _pg(args.pg_url) if args.pg_url else f"sqlite:///{tmp}/bench.sqlite3"
        os.environ["CAREDESK_DATA_DIR"] = tmp
        setup_django(url)
        from caredesk.accounts.models import Role, User
        from caredesk.core import clock
        from caredesk.imports.csvsource import CsvReader
        from caredesk.imports.importer import Importer

        admin = User.objects.create_user("admin@bench.test", "x", name="Admin", role=Role.ADMIN)
        export = Path(tmp) / "export.csv"
        write_export(export, args.cases)
        options = {"batch_size": args.batch} if args.batch else {}
        cpu = time.process_time()
        summary = Importer(CsvReader(export), actor=admin, now=clock.now(), **options).run()
        cpu = time.process_time() - cpu
        engine = "PostgreSQL" if args.pg_url else "SQLite"
        load = os.getloadavg()[0]
        rate = summary.created["cases"] / summary.seconds
        print(
            f"import {engine}: {summary.created['cases']:,} cases, "
            f"{summary.created['messages']:,} messages in {summary.seconds:.1f} s = "
            f"{rate:,.0f} cases/s, {rate * 3:,.0f} messages/s "
            f"(problems {len(summary.problems)}; load {load:.2f}; target 500 cases/s)"
        )
        # The importing process's own CPU time (the database server's is not in it): on a
        # loaded machine the wall-clock rate says more about the neighbours than the code.
        print(
            f"  importer CPU {cpu:.1f} s = {summary.created['cases'] / max(cpu, 1e-9):,.0f} "
            "cases per CPU second of the importing process"
        )
    if args.pg_url:
        from django.db import connections

        connections.close_all()
        _pg(args.pg_url, drop_only=True)


if __name__ == "__main__":
    main()
