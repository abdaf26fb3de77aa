"""Incident fan-out benchmark: one update to 10,000 affected customers with one worker.

Run: ``.venv/bin/python -m bench.incidents_bench`` (options: ``--customers``,
``--pg-url``). It migrates a temporary SQLite database (or, with ``--pg-url``, the
PostgreSQL database ``caredesk_bench_incidents``, created and dropped here), creates the
customers with a mail address each, declares an incident for all of them, and times, in
this one process (one worker):

- the declaration (``do_declare_incident``: the audience rows),
- the fan-out task's work (``caredesk.incidents.fanout.fan_out``: every outbox row and
  notice, in batches),
- a retry of the same fan-out after a crash (walks every batch; must queue nothing),
- a non-essential update's fan-out (with the unsubscribe links signed per customer).

Target: the fan-out of 10,000 customers completes in 60 s. Numbers are printed, never
asserted.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlparse, urlunparse

DB_NAME = "caredesk_bench_incidents"
TARGET_S = 60.0


def _pg_database(pg_url: str, drop_only: bool = False) -> str:
    import psycopg

    parts = urlparse(pg_url)
    admin = urlunparse(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        if not drop_only:
            conn.execute(f'CREATE DATABASE "{DB_NAME}"')
    return urlunparse(parts._replace(path=f"/{DB_NAME}"))


def _setup(database_url: str, data_dir: Path) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ["CAREDESK_DATA_DIR"] = str(data_dir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)


def run(customers: int) -> dict[str, float]:
    from caredesk.accounts.models import Role, User
    from caredesk.core.clock import now as clock_now
    from caredesk.core.effects import suppress_effects
    from caredesk.core.models import OutboundEmail
    from caredesk.customers.models import ContactIdentity, Customer, Organization
    from caredesk.incidents import actions, audience, fanout

    lead = User.objects.create_user("lead@bench.test", "x", name="Bench Lead", role=Role.LEAD)
    org = Organization.objects.create(name="Bench Co")
    made = Customer.objects.bulk_create(
        (Customer(name=f"Customer {i}", organization=org) for i in range(customers)),
        batch_size=2000,
    )
    ContactIdentity.objects.bulk_create(
        (
            ContactIdentity(customer=c, kind=ContactIdentity.Kind.EMAIL, value=f"c{i}@bench.test")
            for i, c in enumerate(made)
        ),
        batch_size=2000,
    )
    rule = audience.make_rule(organization_ids=[org.pk])
    times: dict[str, float] = {}
    start = time.perf_counter()
    with suppress_effects():  # the task is run below, by hand, as one worker would
        declared = actions.do_declare_incident(
            actor=lead, title="Bench outage", public_text="Down.", rule=rule, now=clock_now()
        )
    times["declare_s"] = time.perf_counter() - start
    start = time.perf_counter()
    done = fanout.fan_out(declared.update.pk, clock_now())
    times["fan_out_s"] = time.perf_counter() - start
    times["mailed"] = done.mailed
    # A retry after a crash: the task runs again over every batch (nothing is marked done).
    type(declared.update).objects.filter(pk=declared.update.pk).update(fanned_out_at=None)
    start = time.perf_counter()
    again = fanout.fan_out(declared.update.pk, clock_now())
    times["retry_s"] = time.perf_counter() - start
    times["retry_mailed"] = again.mailed
    with suppress_effects():
        update = actions.do_post_update(
            declared.incident, actor=lead, body="Still down.", essential=False, now=clock_now()
        )
    type(update).objects.filter(pk=update.pk).update(fanned_out_at=None)
    start = time.perf_counter()
    fanout.fan_out(update.pk, clock_now())
    times["non_essential_fan_out_s"] = time.perf_counter() - start
    times["outbox_rows"] = OutboundEmail.objects.count()
    return times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=10_000)
    parser.add_argument("--pg-url", default="")
    args = parser.parse_args(argv)
    if not 0 < args.customers <= 1_000_000:
        parser.error("--customers must be 1 to 1,000,000")
    with tempfile.TemporaryDirectory(prefix="caredesk-bench-incidents-") as tmp:
        if args.pg_url:
            url = _pg_database(args.pg_url)
        else:
            url = f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        try:
            _setup(url, Path(tmp) / "data")
            times = run(args.customers)
        finally:
            if args.pg_url:
                from django.db import connections

                connections.close_all()
                _pg_database(args.pg_url, drop_only=True)
    label = "PostgreSQL" if args.pg_url else "SQLite"
    print(f"incident fan-out, {args.customers:,} customers, {label}, one process:")
    for key, value in times.items():
        print(f"  {key:28} {value:10.2f}" if key.endswith("_s") else f"  {key:28} {value:10.0f}")
    verdict = "within" if times["fan_out_s"] <= TARGET_S else "OVER"
    print(f"  target {TARGET_S:.0f} s for the fan-out: {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
