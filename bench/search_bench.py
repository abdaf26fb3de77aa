"""Search benchmark: ``search_tickets`` on PostgreSQL with many cases, whatever the word.

Run: ``.venv/bin/python -m bench.search_bench`` (options: ``--cases`` (200,000 by
default; ``--cases 1000000`` for the full run), ``--pg-url``, ``--repeat``, ``--rebuild``,
``--drop``, ``--explain``). It builds the PostgreSQL database
``caredesk_bench_search_<cases>`` in SQL (``INSERT … SELECT generate_series``: a subject
and three message entries per case, one of them an internal note, from a vocabulary with
a long tail), or reuses it when it already holds that many cases. Then it times, as a
manager (sees every case) and as an agent (two of four teams):

- a common word, a middling word, a rare word, ``customs`` (exact word, whose stem
  matches every case signed "Customer Service"), a quoted phrase, a customer's email
  address and a word found nowhere,

through ``search_tickets`` (queries, 8 KB pages read, p50 and p99 of ``--repeat`` runs
after a warm-up), and each word once more through the workspace search page over HTTP
(Django's test client), printing the hits as the page shows them ("1,000+") and the load
average. ``--explain`` prints ``EXPLAIN ANALYZE`` of every query one search makes. Numbers
are printed, never asserted.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlparse, urlunparse

CUSTOMERS = 20_000
TEAMS = 4
# A long tail: word i is picked with probability falling like a power law, so the first
# words are in most entries and the last in a handful.
WORDS = (
    "delivery order please thanks help today week refund parcel driver box address time "
    "account payment invoice chair table sofa bed mattress lamp desk shelf drawer "
    "wardrobe colour fabric leg screw assembly instructions damaged broken missing late "
    "early window morning afternoon evening courier tracking number warehouse stock "
    "replacement exchange return label collection voucher discount price charge card "
    "bank transfer subscription membership cancel renewal login password email app "
    "website basket checkout postcode street flat house garden kitchen bathroom bedroom "
    "office cushion cover pillow rug mirror frame glass wood oak pine walnut metal "
    "handle hinge door panel bolt nut washer spanner allen key manual warranty guarantee "
    "receipt photo picture scratch dent stain smell noise wobble squeak crack tear hole "
    "fault defect quality complaint manager supervisor callback voicemail holiday "
    "weekend bank monday tuesday wednesday thursday friday saturday sunday january "
    "february march april june july august september october november december upstairs "
    "downstairs lift stairs parking neighbour porch doorstep signature photo proof"
)
VOCABULARY = WORDS.split()
SIGNATURE = "Kind regards, Customer Service"
INSERT_TICKETS = """
INSERT INTO tickets_ticket (
  subject, status, priority, channel, customer_id, organization_id, team_id, assignee_id,
  original_request, created_at, updated_at, last_customer_message_at, reopen_count,
  message_count, sla_paused_minutes, sla_warned, sla_breached)
SELECT
  'Case ' || g || ': ' || (%(vocab)s::text[])[1 + floor(power(random(), 3) * %(n)s)::int] || ' '
    || (%(vocab)s::text[])[1 + floor(power(random(), 2) * %(n)s)::int],
  (ARRAY['new','open','waiting_us','resolved','closed','closed'])[1 + g %% 6],
  (ARRAY['low','normal','normal','high','urgent'])[1 + (g / 7) %% 5],
  (ARRAY['email','portal','api','phone'])[1 + (g / 3) %% 4],
  %(first_customer)s + (g * 7919) %% %(customers)s, NULL,
  %(first_team)s + g %% %(teams)s, NULL,
  'Generated for the search benchmark.',
  now() - (%(total)s - g) * interval '1 minute', now() - (%(total)s - g) * interval '1 minute',
  now() - (%(total)s - g) * interval '1 minute', 0, 3, 0, false, false
FROM generate_series(%(start)s, %(stop)s) AS g
"""
# Per case: its subject, a customer message, an agent reply signed "Customer Service", an
# internal note. Every 2,000th message mentions customs; every 50th a shower seat.
INSERT_ENTRIES = """
INSERT INTO tickets_searchentry (ticket_id, message_id, public, content)
SELECT t.id, NULL, k <> 3,
  CASE WHEN k = 0 THEN t.subject ELSE
    (SELECT string_agg((%(vocab)s::text[])[1 + floor(power(random(), 3) * %(n)s)::int], ' ')
       FROM generate_series(1, 12 + (t.id + k) %% 20) AS w WHERE t.id > 0)
    || CASE WHEN (t.id * 4 + k) %% 2000 = 7 THEN ' held at customs for inspection' ELSE '' END
    || CASE WHEN (t.id * 4 + k) %% 50 = 3 THEN ' the shower seat arrived' ELSE '' END
    || CASE WHEN k = 2 THEN ' ' || %(signature)s ELSE '' END
  END
FROM tickets_ticket t CROSS JOIN generate_series(0, 3) AS k
WHERE t.id > %(after)s
ORDER BY t.id, k
"""


def _admin_conn(pg_url: str) -> Any:
    import psycopg

    return psycopg.connect(urlunparse(urlparse(pg_url)._replace(path="/postgres")), autocommit=True)


def _database(pg_url: str, name: str, rebuild: bool) -> tuple[str, bool]:
    """The database URL, and whether it existed already (to be reused)."""
    with _admin_conn(pg_url) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and rebuild:
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        if not exists or rebuild:
            conn.execute(f'CREATE DATABASE "{name}"')
    return urlunparse(urlparse(pg_url)._replace(path=f"/{name}")), bool(exists and not rebuild)


def _setup_django(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    call_command("createcachetable", verbosity=0)


def _people() -> dict[str, Any]:
    from caredesk.accounts.models import Membership, Role, Team, User
    from caredesk.customers.models import ContactIdentity, Customer

    manager = User.objects.filter(email="manager@bench.test").first()
    agent = User.objects.filter(email="agent@bench.test").first()
    if manager and agent:
        first_team = Team.objects.order_by("pk").values_list("pk", flat=True)[0]
        first_customer = Customer.objects.order_by("pk").values_list("pk", flat=True)[0]
        return {"manager": manager, "agent": agent, "team": first_team, "cust": first_customer}
    teams = Team.objects.bulk_create(Team(name=f"Team {i}", slug=f"team-{i}") for i in range(4))
    manager = User.objects.create(
        email="manager@bench.test", name="Manager", role=Role.MANAGER, password="!"
    )
    agent = User.objects.create(
        email="agent@bench.test", name="Agent", role=Role.AGENT, password="!"
    )
    Membership.objects.bulk_create(Membership(team=t, user=agent) for t in teams[:2])
    customers = Customer.objects.bulk_create(
        (Customer(name=f"Customer {k}") for k in range(CUSTOMERS)), batch_size=5000
    )
    ContactIdentity.objects.bulk_create(
        (
            ContactIdentity(customer=c, kind="email", value=f"customer{k}@bench.test")
            for k, c in enumerate(customers)
        ),
        batch_size=5000,
    )
    return {"manager": manager, "agent": agent, "team": teams[0].pk, "cust": customers[0].pk}


def _generate(people: dict[str, Any], cases: int) -> None:
    from django.db import connection

    from caredesk.tickets.models import Ticket

    have = Ticket.objects.count()
    if have >= cases:
        print(f"reusing {have:,} cases")
        return
    chunk = 100_000
    began = time.perf_counter()
    with connection.cursor() as cursor:
        for start in range(have + 1, cases + 1, chunk):
            stop = min(cases, start + chunk - 1)
            params = {
                "vocab": VOCABULARY,
                "n": len(VOCABULARY),
                "first_customer": people["cust"],
                "customers": CUSTOMERS,
                "first_team": people["team"],
                "teams": TEAMS,
                "start": start,
                "stop": stop,
                "total": cases,
                "signature": SIGNATURE,
            }
            cursor.execute("SELECT coalesce(max(id), 0) FROM tickets_ticket")
            (after,) = cursor.fetchone()
            cursor.execute(INSERT_TICKETS, params)
            cursor.execute(INSERT_ENTRIES, {**params, "after": after})
            print(f"  {stop:,} cases ({time.perf_counter() - began:.0f} s)", flush=True)
        cursor.execute("VACUUM ANALYZE tickets_ticket")
        cursor.execute("VACUUM ANALYZE tickets_searchentry")
        cursor.execute("CHECKPOINT")
    print(f"generated in {time.perf_counter() - began:.0f} s")


def _busy_customer_email() -> str:
    from caredesk.customers.models import ContactIdentity
    from caredesk.tickets.models import Ticket

    customer = Ticket.objects.order_by("-id").values_list("customer_id", flat=True)[0]
    return str(
        ContactIdentity.objects.filter(customer_id=customer).values_list("value", flat=True)[0]
    )


def _measure(fn: Callable[[], Any], repeat: int) -> tuple[float, float]:
    for _ in range(2):
        fn()
    samples = []
    for _ in range(repeat):
        began = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - began) * 1000)
    samples.sort()
    return statistics.median(samples), samples[min(len(samples) - 1, int(len(samples) * 0.99))]


def _explain(fn: Callable[[], Any]) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        fn()
    with connection.cursor() as cursor:
        for query in captured.captured_queries:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + query["sql"])
            print("\n".join("      " + row[0] for row in cursor.fetchall()))
            print()


def _buffers(fn: Callable[[], Any]) -> tuple[int, int]:
    """Queries and 8 KB pages read (shared buffers hit or read) by one call: unlike
    times, these do not depend on how busy the machine is."""
    import json

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        fn()
    pages = 0
    with connection.cursor() as cursor:
        for query in captured.captured_queries:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + query["sql"])
            raw = cursor.fetchone()[0]
            plan = (json.loads(raw) if isinstance(raw, str) else raw)[0]
            node = plan["Plan"]
            pages += int(node.get("Shared Hit Blocks", 0)) + int(node.get("Shared Read Blocks", 0))
            planning = plan.get("Planning", {})
            pages += int(planning.get("Shared Hit Blocks", 0))
    return len(captured.captured_queries), pages


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument(
        "--pg-url", default=os.environ.get("PG_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    )
    parser.add_argument("--cases", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument("--rebuild", action="store_true", help="drop and build the database")
    parser.add_argument("--drop", action="store_true", help="drop the database afterwards")
    parser.add_argument("--explain", action="store_true", help="print EXPLAIN ANALYZE")
    args = parser.parse_args(argv)
    if not 1000 <= args.cases <= 5_000_000:
        parser.error("--cases must be between 1,000 and 5,000,000")
    name = f"caredesk_bench_search_{args.cases}"
    try:
        url, reused = _database(args.pg_url, name, args.rebuild)
    except Exception as exc:  # no server: say so, like the other benches
        print(f"SKIPPED: search bench needs PostgreSQL at {args.pg_url} ({exc})")
        return 0
    try:
        _setup_django(url)
        _run(args, name, reused)
    finally:
        from django.db import connections

        connections.close_all()
        if args.drop:
            with _admin_conn(args.pg_url) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return 0


def _run(args: argparse.Namespace, name: str, reused: bool) -> None:
    from django.db import connection
    from django.test import Client

    from caredesk.tickets.models import SearchEntry
    from caredesk.tickets.search import search_tickets

    print(f"database {name} ({'reused' if reused else 'new'})")
    people = _people()
    _generate(people, args.cases)
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0]
    entries = SearchEntry.objects.count()
    print(f"PostgreSQL {version}: {args.cases:,} cases, {entries:,} search entries")
    words = {
        "common word": VOCABULARY[0],
        "middling word": VOCABULARY[40],
        "rare word": VOCABULARY[-1],
        "exact: customs": "customs",
        "phrase": '"shower seat"',
        "email": _busy_customer_email(),
        "no match": "zyxwvut",
    }
    clients = {}
    for role in ("manager", "agent"):
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(people[role])
        clients[role] = client
    rows = []
    for label, text in words.items():
        for role in ("manager", "agent"):
            user = people[role]
            hits = search_tickets(user, text).total_label

            def run(u: Any = user, t: str = text) -> Any:
                return search_tickets(u, t)

            p50, p99 = _measure(run, args.repeat)

            def page(c: Client = clients[role], t: str = text) -> None:
                response = c.get("/search", {"q": t})
                if response.status_code != 200:
                    raise RuntimeError(f"search page answered {response.status_code}")

            http50, http99 = _measure(page, max(5, args.repeat // 5))
            queries, pages = _buffers(run)
            rows.append((label, text, role, hits, queries, pages, p50, p99, http50, http99))
            print(
                f"  {label:<15} {role:<8} hits {hits:>7}  {queries} queries {pages:>6} pages"
                f"  p50 {p50:7.1f} ms  p99 {p99:7.1f} ms  page p50 {http50:7.1f} ms",
                flush=True,
            )
            if args.explain and role == "manager":
                _explain(run)
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"\nload average after measuring: {load}\n")
    print(
        "| query | text | user | hits | queries | pages read | p50 ms | p99 ms "
        "| page p50 ms | page p99 ms |"
    )
    print("|---|---|---|---:|---:|---:|---:|---:|---:|---:|")
    for label, text, role, hits, queries, pages, p50, p99, h50, h99 in rows:
        cells = [label, f"`{text}`", role, hits, str(queries), f"{pages:,}"]
        cells += [f"{x:.1f}" for x in (p50, p99, h50, h99)]
        print("| " + " | ".join(cells) + " |")


if __name__ == "__main__":
    sys.exit(main())
