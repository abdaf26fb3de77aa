"""The measurements: one process, one database (set by DATABASE_URL before Django starts).

Run by :mod:`bench.run` as a child process per database, so each gets its own settings.
Prints nothing but progress on stderr; writes its results as JSON to ``--out``.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any


def log(text: str) -> None:
    sys.stderr.write(f"  [{os.environ.get('BENCH_LABEL', 'bench')}] {text}\n")
    sys.stderr.flush()


def median_ms(fn: Callable[[], object], repeat: int, budget_s: float = 30.0) -> float:
    """Median of ``repeat`` runs after one warm-up run; fewer (at least 3) when one run is so
    slow that ``repeat`` of them would take longer than ``budget_s``."""
    started = time.perf_counter()
    fn()  # warm caches and connections; not counted
    warm = time.perf_counter() - started
    runs = repeat if warm * repeat <= budget_s else max(3, int(budget_s / warm))
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", required=True)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--opens", type=int, default=200)
    parser.add_argument("--out", required=True)
    args = parser.parse_args(argv)
    sizes = sorted(int(s) for s in args.sizes.split(","))

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from bench.datagen import Generator, make_customers
    from caredesk.accounts.models import User
    from caredesk.core import clock
    from caredesk.demo.people import ensure_people
    from caredesk.savedviews.filters import check_filters
    from caredesk.savedviews.selectors import capped_count, sidebar
    from caredesk.tickets.access import access_ticket, visible_tickets
    from caredesk.tickets.actions import do_open_ticket
    from caredesk.tickets.models import OPEN_STATUSES, Channel, Ticket
    from caredesk.tickets.search import search_tickets

    call_command("migrate", interactive=False, verbosity=0)
    now = clock.now()
    rng = random.Random(2026)
    desk = ensure_people(now)
    customers = make_customers(rng, 5000, list(desk.orgs.values()))
    generator = Generator(desk, customers, rng, now)
    agent = desk.staff["priya"]
    manager = desk.staff["max"]
    results: list[dict[str, Any]] = []

    def inbox(user: User) -> Callable[[], object]:
        def run() -> object:
            qs = (
                visible_tickets(user)
                .filter(status__in=OPEN_STATUSES)
                .select_related("customer", "assignee", "team")
                .prefetch_related("tags")
                .order_by("-updated_at", "-id")[:50]
            )
            return list(qs)

        return run

    def case_page(ticket_id: int) -> Callable[[], object]:
        def run() -> object:
            ticket = access_ticket(agent, ticket_id)
            messages = list(
                ticket.messages.select_related("author_user", "author_customer").prefetch_related(
                    "attachments"
                )
            )
            events = list(ticket.events.select_related("actor"))
            return messages, events

        return run

    have = 0
    for size in sizes:
        started = time.perf_counter()
        generator.add(size - have)
        have = size
        generated = time.perf_counter() - started
        log(f"{size:,} cases generated in {generated:.0f} s")
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                # Autovacuum would do this within a minute of a real bulk load.
                cursor.execute("ANALYZE")
        row: dict[str, Any] = {"size": size, "generate_s": round(generated, 1)}

        latencies = []
        opens_started = time.perf_counter()
        for n in range(args.opens):
            t0 = time.perf_counter()
            do_open_ticket(
                customer=rng.choice(customers),
                subject=f"Benchmark delivery question {n}",
                body="Where is my sofa? The delivery window was 8-12 and it is now 2pm.",
                channel=Channel.PORTAL,
                now=clock.now(),
                team=desk.teams["deliveries"],
            )
            latencies.append(time.perf_counter() - t0)
        opens_elapsed = time.perf_counter() - opens_started
        row["open_ms"] = statistics.median(latencies) * 1000
        row["open_per_s"] = args.opens / opens_elapsed
        have += args.opens

        row["inbox_agent_ms"] = median_ms(inbox(agent), args.repeat)
        row["inbox_manager_ms"] = median_ms(inbox(manager), args.repeat)
        row["search_agent_ms"] = median_ms(lambda: search_tickets(agent, "delivery"), args.repeat)
        row["search_manager_ms"] = median_ms(
            lambda: search_tickets(manager, "delivery"), args.repeat
        )
        row["search_hits"] = search_tickets(manager, "delivery").total
        busiest = (
            Ticket.objects.filter(team=desk.teams["deliveries"])
            .order_by("-message_count", "id")
            .values_list("pk", flat=True)
            .first()
        )
        assert busiest is not None
        row["case_page_ms"] = median_ms(case_page(busiest), args.repeat)
        # Saved views: one view's capped count (at most 1,000 counted) and the whole
        # sidebar (the four built-in views' counts) as the inbox fragment loads them.
        urgent = check_filters({"priority": ["high", "urgent"], "state": "any"})
        row["view_count_manager_ms"] = median_ms(
            functools.partial(capped_count, manager, urgent), args.repeat
        )
        row["views_sidebar_agent_ms"] = median_ms(lambda: sidebar(agent), args.repeat)
        row["open_cases"] = Ticket.objects.filter(status__in=OPEN_STATUSES).count()
        log(
            ", ".join(
                f"{k}={v:.1f}" if isinstance(v, float) else f"{k}={v}" for k, v in row.items()
            )
        )
        results.append(row)

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT sqlite_version()" if connection.vendor == "sqlite" else "SHOW server_version"
        )
        version = cursor.fetchone()[0]
    with open(args.out, "w") as fh:
        json.dump({"vendor": connection.vendor, "version": version, "rows": results}, fh)
    connection.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
