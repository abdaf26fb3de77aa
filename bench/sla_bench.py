"""SLA benchmark: deadlines due, next case, inbox page, at 10,000 and 1,000,000 cases.

Run: ``.venv/bin/python -m bench.sla_bench`` (options: ``--pg-url``, ``--sizes``,
``--repeat``, ``--keep``). It creates the PostgreSQL database ``caredesk_bench_sla``,
migrates it, generates cases in SQL (``generate_series``; 20 % open, so 200,000 open at
1,000,000), and prints the median and p90 of:

- ``due_next_minute``: every case whose nearest deadline falls in the next minute
  (range scan on ``ticket_next_deadline``);
- ``sweep_batch``: the deadline sweep's query for due warnings and breaches (``sla.alarm``);
- ``next_case``: ``caredesk.sla.queue.next_case_for`` for an agent in one team;
- ``inbox_page``: the agent's inbox first page rendered by the workspace view (``GET /``).

The database is dropped at the end unless ``--keep``. Numbers are printed, not asserted.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlparse, urlunparse

DB_NAME = "caredesk_bench_sla"
TEAMS = 10
AGENTS_PER_TEAM = 5
ORGANIZATIONS = 1000
CUSTOMERS = 20_000


def _admin_conn(pg_url: str) -> Any:
    import psycopg

    parts = urlparse(pg_url)
    return psycopg.connect(urlunparse(parts._replace(path="/postgres")), autocommit=True)


def recreate_database(pg_url: str) -> str:
    with _admin_conn(pg_url) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{DB_NAME}"')
    return urlunparse(urlparse(pg_url)._replace(path=f"/{DB_NAME}"))


def drop_database(pg_url: str) -> None:
    with _admin_conn(pg_url) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')


def setup_django(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    call_command("createcachetable", verbosity=0)


def base_data(now: datetime) -> dict[str, int]:
    """Teams, agents, organizations with tiers, customers, one policy, tier rules."""
    from caredesk.accounts.models import Membership, Role, Team, User
    from caredesk.customers.models import Customer, Organization, Tier
    from caredesk.sla.models import BusinessCalendar, SlaPolicy, TierRule

    teams = Team.objects.bulk_create(Team(name=f"Team {i}", slug=f"team-{i}") for i in range(TEAMS))
    agents = []
    for i in range(TEAMS * AGENTS_PER_TEAM):
        agents.append(
            User(email=f"agent{i}@bench.test", name=f"Agent {i}", role=Role.AGENT, password="!")
        )
    agents = User.objects.bulk_create(agents)
    Membership.objects.bulk_create(
        Membership(team=teams[i // AGENTS_PER_TEAM], user=agent) for i, agent in enumerate(agents)
    )

    def tier(k: int) -> str:
        return Tier.VIP if k % 10 == 0 else Tier.PRIORITY if k % 10 in (1, 2) else Tier.STANDARD

    orgs = Organization.objects.bulk_create(
        Organization(name=f"Org {k}", tier=tier(k)) for k in range(ORGANIZATIONS)
    )
    customers = Customer.objects.bulk_create(
        (
            Customer(name=f"Customer {k}", organization=orgs[k % ORGANIZATIONS])
            for k in range(CUSTOMERS)
        ),
        batch_size=5000,
    )
    cal = BusinessCalendar.objects.create(name="24/7", always_open=True)
    policy = SlaPolicy.objects.create(
        name="Default", calendar=cal, first_response_minutes=240, resolution_minutes=2880
    )
    TierRule.objects.create(tier=Tier.VIP, weight=0.5)
    TierRule.objects.create(tier=Tier.PRIORITY, weight=0.8, max_wait_minutes=120)
    TierRule.objects.create(tier=Tier.STANDARD, weight=1.0, max_wait_minutes=240)
    return {
        "first_team": teams[0].pk,
        "first_agent": agents[0].pk,
        "first_org": orgs[0].pk,
        "first_customer": customers[0].pk,
        "policy": policy.pk,
    }


INSERT_SQL = """
WITH s AS (
  SELECT g,
         (g %% 5 = 0) AS is_open,
         random() AS r1, random() AS r2, random() AS r3, random() AS r4,
         floor(random() * %(customers)s)::int AS cust_k
  FROM generate_series(%(start)s, %(stop)s) AS g
), t AS (
  SELECT s.*,
         cust_k %% %(orgs)s AS org_k,
         CASE WHEN is_open
              THEN (ARRAY['new','open','waiting_us','waiting_customer'])[1 + floor(r4 * 4)::int]
              ELSE (ARRAY['resolved','closed'])[1 + g %% 2] END AS st,
         CASE WHEN is_open THEN %(now)s - r1 * interval '3 days'
              ELSE %(now)s - interval '3 days' - r1 * interval '365 days' END AS created,
         floor(random() * %(teams)s)::int AS team_k,
         (is_open AND random() < 0.3) AS unassigned
  FROM s
), u AS (
  SELECT t.*,
         CASE WHEN is_open AND st <> 'waiting_customer'
              THEN %(now)s - interval '2 hours' + r2 * interval '74 hours' END AS deadline,
         CASE WHEN org_k %% 10 = 0 THEN NULL
              WHEN org_k %% 10 IN (1, 2) THEN interval '120 minutes'
              ELSE interval '240 minutes' END AS max_wait,
         CASE WHEN org_k %% 10 = 0 THEN 0.5 WHEN org_k %% 10 IN (1, 2) THEN 0.8 ELSE 1.0 END AS w
  FROM t
)
INSERT INTO tickets_ticket (
  subject, status, priority, channel, customer_id, organization_id, team_id, assignee_id,
  original_request, created_at, updated_at, last_customer_message_at, first_response_at,
  resolved_at, closed_at, reopen_count, message_count, sla_policy_id, first_response_due_at,
  next_response_due_at, resolution_due_at, next_deadline_at, sla_alarm_at, sla_paused_at,
  sla_paused_minutes, sla_warned, sla_breached, queue_rank_at, queue_aging_at)
SELECT
  'Bench case ' || g, st,
  (ARRAY['low','normal','normal','high','urgent'])[1 + (g / 7) %% 5],
  (ARRAY['email','portal','api','phone'])[1 + (g / 3) %% 4],
  %(first_customer)s + cust_k, %(first_org)s + org_k, %(first_team)s + team_k,
  CASE WHEN unassigned THEN NULL
       ELSE %(first_agent)s + team_k * %(per_team)s + (g / 11) %% %(per_team)s END,
  'Generated for the SLA benchmark.', created,
  LEAST(%(now)s, created + r3 * interval '2 hours'), created,
  CASE WHEN NOT is_open OR st <> 'new' THEN created + r3 * interval '8 hours' END,
  CASE WHEN NOT is_open THEN created + interval '1 hour' + r2 * interval '3 days' END,
  CASE WHEN st = 'closed' THEN created + interval '5 days' END,
  0, 2,
  CASE WHEN is_open THEN %(policy)s END,
  CASE WHEN st = 'new' THEN deadline END,
  NULL,
  CASE WHEN deadline IS NOT NULL THEN deadline + interval '1 day' END,
  deadline,
  CASE WHEN deadline - interval '30 minutes' > %(now)s THEN deadline - interval '30 minutes'
       WHEN deadline > %(now)s THEN deadline END,
  CASE WHEN st = 'waiting_customer' THEN %(now)s - r3 * interval '1 day' END,
  0, false, deadline IS NOT NULL AND deadline < %(now)s,
  CASE WHEN unassigned AND st <> 'waiting_customer'
       THEN created + (deadline - created) * w END,
  CASE WHEN unassigned AND st <> 'waiting_customer' THEN created + max_wait END
FROM u
"""


def generate(ids: dict[str, int], start: int, stop: int, now: datetime) -> float:
    from django.db import connection

    began = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("SELECT setseed(0.42)")
        cursor.execute(
            INSERT_SQL,
            {
                **ids,
                "start": start,
                "stop": stop,
                "now": now,
                "customers": CUSTOMERS,
                "orgs": ORGANIZATIONS,
                "teams": TEAMS,
                "per_team": AGENTS_PER_TEAM,
            },
        )
        cursor.execute("VACUUM ANALYZE tickets_ticket")
        # Flush the bulk insert's dirty pages now, so a spread checkpoint is not still
        # writing while the measurements run (it doubled every figure at 1,000,000).
        cursor.execute("CHECKPOINT")
    return time.perf_counter() - began


def measure(fn: Callable[[], Any], repeat: int) -> tuple[float, float]:
    for _ in range(3):
        fn()
    samples = []
    for _ in range(repeat):
        began = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - began) * 1000)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.9) - 1]


def run_size(ids: dict[str, int], now: datetime, repeat: int) -> dict[str, tuple[float, float]]:
    from django.test import Client

    from caredesk.accounts.models import User
    from caredesk.core import deadlines
    from caredesk.sla.queue import next_case_for
    from caredesk.tickets.models import Ticket

    agent = User.objects.get(pk=ids["first_agent"])
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(agent)
    minute = timedelta(minutes=1)

    def due_next_minute() -> list[int]:
        return list(
            Ticket.objects.filter(
                next_deadline_at__gte=now, next_deadline_at__lt=now + minute
            ).values_list("pk", flat=True)
        )

    def inbox() -> None:
        response = client.get("/")
        if response.status_code != 200:
            raise RuntimeError(f"inbox answered {response.status_code}")

    results = {
        "due_next_minute": measure(due_next_minute, repeat),
        "sweep_batch": measure(lambda: deadlines.kind("sla.alarm").due_ids(now), repeat),
        "next_case": measure(lambda: next_case_for(agent, now), repeat),
    }
    try:
        results["inbox_page"] = measure(inbox, repeat)
    except Exception as exc:  # the workspace is another area; report, don't abort
        print(f"  inbox page could not be measured: {exc}", file=sys.stderr)
    print(f"  due in the next minute: {len(due_next_minute())} cases")
    # The machine is often shared: say how busy it was, so the numbers can be read.
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"  load average after measuring: {load}")
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--pg-url", default=os.environ.get("PG_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    )
    parser.add_argument("--sizes", default="10000,1000000")
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args(argv)
    sizes = sorted({int(s) for s in args.sizes.split(",") if s.strip()})
    url = recreate_database(args.pg_url)
    try:
        setup_django(url)
        from django.db import connection

        from caredesk.core import clock

        now = clock.now()
        ids = base_data(now)
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version_num")
            version = int(cursor.fetchone()[0])
        print(f"PostgreSQL {version // 10000}, database {DB_NAME}")
        done = 0
        rows = []
        for size in sizes:
            seconds = generate(ids, done + 1, size, now)
            done = size
            print(f"{size:,} cases ({size // 5:,} open): generated in {seconds:.1f} s")
            results = run_size(ids, now, args.repeat)
            for name, (median, p90) in results.items():
                print(f"  {name:<16} median {median:7.2f} ms   p90 {p90:7.2f} ms")
                rows.append((size, name, median, p90))
        print("\n| cases | measure | median ms | p90 ms |\n|---:|---|---:|---:|")
        for size, name, median, p90 in rows:
            print(f"| {size:,} | {name} | {median:.2f} | {p90:.2f} |")
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep:
            drop_database(args.pg_url)
    return 0


if __name__ == "__main__":
    sys.exit(main())
