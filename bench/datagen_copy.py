"""``python -m bench.datagen_copy``: up to 1,000,000 realistic cases in PostgreSQL with COPY.

Run: ``.venv/bin/python -m bench.datagen_copy --cases 1000000`` (options: ``--pg-url``,
``--keep-indexes``, ``--rebuild``, ``--seed``). It builds the database
``caredesk_bench_<cases>`` (``caredesk_bench_1m`` for a million, ``caredesk_bench_10k``…),
never ``caredesk``, or reuses it when a finished build of that size is already there.

What it writes, per case: the case (status, priority, channel, team, assignee, customer,
organization, SLA deadlines and flags, queue keys for unassigned open cases), exactly three
messages (customer message, an agent reply or an internal note, a follow-up), one search
entry for the subject and one per message (the stored ``tsvector`` columns are generated
by PostgreSQL from ``content``, exactly as for rows the product writes), audit events
("created", and "assigned" / "status_changed" for assigned cases) and a tag on half of the
cases; plus one customer (with an e-mail identity) per five cases. The texts come from
the demo's topics (``caredesk.demo.texts``), as in :mod:`bench.datagen`.

This is a data generator, not product code: it writes rows with psycopg's
``cursor.copy()`` (binary-free text COPY, public API) and assigns ids itself, then moves
the id sequences past them. By default the loaded tables' secondary indexes, unique and
foreign-key constraints are dropped before the load and created again afterwards (which
validates every foreign key); ``--keep-indexes`` keeps them during the load, to compare.
``ANALYZE`` runs at the end. Progress (cases/s, rows/s, ETA) goes to stderr.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlparse, urlunparse

# The same mix as bench.datagen (which imports models, so cannot be imported before setup).
HISTORY = timedelta(days=730)
TEAM_WEIGHTS = {"deliveries": 35, "billing": 25, "returns": 20, "technical": 20}
CHANNELS = ("email", "email", "portal", "phone", "api")
PRIORITIES = ("low", "normal", "normal", "normal", "high")
OPEN = ("new", "open", "waiting_customer", "waiting_us")
CHUNK = 10_000
CASES_PER_CUSTOMER = 5
MARKER = "bench_datagen_done"
FIRST_RESPONSE = timedelta(hours=4)
RESOLUTION = timedelta(days=3)


def database_name(cases: int) -> str:
    if cases % 1_000_000 == 0:
        return f"caredesk_bench_{cases // 1_000_000}m"
    if cases % 1000 == 0:
        return f"caredesk_bench_{cases // 1000}k"
    return f"caredesk_bench_{cases}"


def _url_for(pg_url: str, name: str) -> str:
    return urlunparse(urlparse(pg_url)._replace(path=f"/{name}"))


def _admin(pg_url: str) -> Any:
    import psycopg

    return psycopg.connect(_url_for(pg_url, "postgres"), autocommit=True)


def finished_build(url: str) -> dict[str, Any] | None:
    """The marker a finished build leaves (cases, seconds), or None."""
    import psycopg

    try:
        with psycopg.connect(url) as conn:
            row = conn.execute(
                f"SELECT cases, seconds, keep_indexes FROM {MARKER} ORDER BY at DESC LIMIT 1"  # noqa: S608
            ).fetchone()
    except psycopg.Error:
        return None
    if row is None:
        return None
    return {"cases": row[0], "seconds": row[1], "keep_indexes": row[2]}


def fresh_database(pg_url: str, name: str) -> str:
    if not name.startswith("caredesk_bench_"):
        raise ValueError(f"refusing to drop {name!r}: only caredesk_bench_* databases")
    with _admin(pg_url) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return _url_for(pg_url, name)


def setup_django(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    call_command("createcachetable", verbosity=0)


# --- tables -----------------------------------------------------------------------------


class Table:
    """One table's COPY column list and a row template holding every field's default, so
    a row only names what it sets (and new model fields with defaults keep working)."""

    def __init__(self, model: Any) -> None:
        from django.db import connection

        self.name: str = model._meta.db_table
        fields = list(model._meta.concrete_fields)
        self.columns = [f.column for f in fields]
        self.index = {f.attname: i for i, f in enumerate(fields)}
        template: list[Any] = []
        for f in fields:
            default = f.get_default()  # "" for a blank text field without a default
            if f.get_internal_type() == "JSONField":
                template.append(None if default is None else json.dumps(default))
            else:
                template.append(f.get_db_prep_save(default, connection))
        self.template = template
        self.next_id = 1

    def row(self, **values: Any) -> list[Any]:
        row = self.template.copy()
        for name, value in values.items():
            row[self.index[name]] = value
        return row

    def take_id(self) -> int:
        pk = self.next_id
        self.next_id += 1
        return pk


def _copy(cursor: Any, table: Table, rows: Iterator[Sequence[Any]]) -> int:
    cols = ", ".join(f'"{c}"' for c in table.columns)
    n = 0
    with cursor.copy(f'COPY "{table.name}" ({cols}) FROM STDIN') as copy:
        for row in rows:
            copy.write_row(row)
            n += 1
    return n


@dataclass
class Dropped:
    """The secondary indexes and constraints taken off the loaded tables, to put back."""

    indexes: list[str]
    constraints: list[tuple[str, str, str]]  # table, name, definition


def drop_secondary(cursor: Any, tables: list[str]) -> Dropped:
    cursor.execute(
        "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid::regclass::text = ANY(%s) AND contype IN ('f', 'u') ORDER BY contype",
        [tables],
    )
    constraints = [(t, n, d) for t, n, d in cursor.fetchall()]
    for table, name, _ in reversed(constraints):  # foreign keys before unique keys
        cursor.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
    cursor.execute(
        "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
        "WHERE i.indrelid::regclass::text = ANY(%s) AND NOT i.indisprimary "
        "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)",
        [tables],
    )
    indexes = []
    for name, definition in cursor.fetchall():
        cursor.execute(f"DROP INDEX {name}")
        indexes.append(definition)
    return Dropped(indexes, constraints)


def restore_secondary(cursor: Any, dropped: Dropped, say: Callable[[str], None]) -> None:
    for definition in dropped.indexes:
        started = time.monotonic()
        cursor.execute(definition)
        say(f"  {definition.split(' ON ')[0]} ({time.monotonic() - started:.1f} s)")
    # unique keys first (a foreign key may reference one), then the foreign keys
    for table, name, definition in sorted(dropped.constraints, key=lambda c: "FOREIGN" in c[2]):
        started = time.monotonic()
        cursor.execute(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}')
        say(f"  {table}.{name} ({time.monotonic() - started:.1f} s)")


# --- the generator ----------------------------------------------------------------------


@dataclass
class Case:
    pk: int
    customer: int
    channel: str
    status: str
    agent: int | None
    agent_label: str
    subject: str
    body: str
    reply: str
    note: str
    follow_up: str
    tag: int | None
    created: datetime
    updated: datetime


class CopyGenerator:
    def __init__(self, rng: random.Random, now: datetime) -> None:
        from caredesk.customers.models import ContactIdentity, Customer
        from caredesk.demo import texts
        from caredesk.demo.people import ensure_people
        from caredesk.sla.models import SlaPolicy
        from caredesk.tickets.models import AuditEvent, Message, SearchEntry, Tag, Ticket

        self.rng, self.now, self.texts = rng, now, texts
        self.desk = ensure_people(now)
        policy = SlaPolicy.objects.filter(is_active=True).order_by("order", "pk").first()
        self.policy = policy.pk if policy else None
        names = {name for topics in texts.TOPICS.values() for t in topics for name in t.tags}
        for name in sorted(names):
            Tag.objects.get_or_create(name=name)
        self.tags = dict(Tag.objects.values_list("name", "pk"))
        self.orgs = [o.pk for o in self.desk.orgs.values()]
        self.slugs = list(TEAM_WEIGHTS)
        self.weights = list(TEAM_WEIGHTS.values())
        self.tables = {
            "customer": Table(Customer),
            "identity": Table(ContactIdentity),
            "ticket": Table(Ticket),
            "message": Table(Message),
            "entry": Table(SearchEntry),
            "event": Table(AuditEvent),
            "tag": Table(Ticket.tags.through),
        }
        self.customers: list[tuple[int, int | None, str]] = []  # pk, organization, name

    def start_ids(self, cursor: Any) -> None:
        for table in self.tables.values():
            cursor.execute(f'SELECT COALESCE(MAX(id), 0) + 1 FROM "{table.name}"')  # noqa: S608
            table.next_id = int(cursor.fetchone()[0])

    def finish_ids(self, cursor: Any) -> None:
        for table in self.tables.values():
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence(%s, 'id'), %s, false)",
                [table.name, table.next_id],
            )

    def customer_rows(self, count: int) -> tuple[list[list[Any]], list[list[Any]]]:
        rng, t = self.rng, self.texts
        customers, identities = [], []
        for _ in range(count):
            pk = self.tables["customer"].take_id()
            name = f"{rng.choice(t.FIRST_NAMES)} {rng.choice(t.LAST_NAMES)}"
            org = rng.choice(self.orgs) if self.orgs and rng.random() < 0.2 else None
            created = self.now - HISTORY
            customers.append(
                self.tables["customer"].row(
                    id=pk, name=name, organization_id=org, created_at=created
                )
            )
            identities.append(
                self.tables["identity"].row(
                    id=self.tables["identity"].take_id(),
                    customer_id=pk,
                    kind="email",
                    value=f"bench{pk}@example.com",
                    verified=True,
                    created_at=created,
                )
            )
            self.customers.append((pk, org, name))
        return customers, identities

    def cases(self, count: int) -> list[tuple[Case, list[Any]]]:
        """``count`` cases: the plan for their children and the case row."""
        rng, now, t = self.rng, self.now, self.texts
        tickets = self.tables["ticket"]
        out = []
        for _ in range(count):
            slug = rng.choices(self.slugs, weights=self.weights)[0]
            team = self.desk.teams[slug]
            agent = self.desk.staff[rng.choice(self.desk.members[slug])]
            customer, org, name = rng.choice(self.customers)
            topic = rng.choice(t.TOPICS[slug])
            f = {
                "product": rng.choice(t.PRODUCTS),
                "order": f"BH-{rng.randint(100000, 999999)}",
                "first": name.split()[0],
                "name": name,
                "days": str(rng.randint(3, 14)),
                "amount": f"{rng.randint(12, 890)}.00",
                "weekday": rng.choice(t.WEEKDAYS),
                "window": rng.choice(t.WINDOWS),
                "agent": agent.name.split()[0],
                "team": "Brightside",
            }
            age = timedelta(seconds=rng.uniform(60, HISTORY.total_seconds()))
            created = now - age
            recent = age < timedelta(days=14)
            is_open = rng.random() < (0.5 if recent else 0.03)
            status = rng.choice(OPEN) if is_open else rng.choice(("resolved", "closed"))
            assigned = status != "new"
            updated = created + min(age, timedelta(hours=rng.uniform(1, 240))) * 0.9
            body = " ".join(
                [rng.choice(topic.openings), *rng.sample(t.DETAILS, k=rng.randint(0, 2))]
            ).format(**f)
            first_response = created + (updated - created) / 3 if assigned else None
            fr_due, res_due = created + FIRST_RESPONSE, created + RESOLUTION
            resolved = updated if status in ("resolved", "closed") else None
            deadline = None
            if is_open:
                deadline = fr_due if first_response is None else res_due
            breached = (first_response or now) > fr_due or (resolved or now) > res_due
            queued = is_open and not assigned
            case = Case(
                pk=tickets.take_id(),
                customer=customer,
                channel=rng.choice(CHANNELS),
                status=status,
                agent=agent.pk if assigned else None,
                agent_label=agent.display_name,
                subject=rng.choice(topic.subjects).format(**f),
                body=body,
                reply=topic.reply.format(**f),
                note=rng.choice(t.NOTES).format(**f),
                follow_up=rng.choice(t.FOLLOW_UPS).format(**f),
                tag=self.tags[topic.tags[0]] if rng.random() < 0.5 else None,
                created=created,
                updated=updated,
            )
            row = tickets.row(
                id=case.pk,
                subject=case.subject,
                status=status,
                priority=rng.choice(PRIORITIES),
                channel=case.channel,
                customer_id=customer,
                organization_id=org,
                team_id=team.pk if assigned or rng.random() < 0.5 else None,
                assignee_id=case.agent,
                original_request=body,
                created_at=created,
                updated_at=updated,
                last_customer_message_at=created + (updated - created) * 0.6,
                first_response_at=first_response,
                resolved_at=resolved,
                closed_at=updated if status == "closed" else None,
                message_count=3,
                sla_policy_id=self.policy,
                first_response_due_at=fr_due,
                resolution_due_at=res_due if is_open or resolved else None,
                next_deadline_at=deadline,
                sla_alarm_at=deadline - timedelta(minutes=30) if deadline else None,
                sla_warned=breached,
                sla_breached=breached,
                queue_rank_at=deadline if queued else None,
                queue_aging_at=created + timedelta(hours=8) if queued else None,
            )
            out.append((case, row))
        return out

    def children(
        self, cases: list[Case]
    ) -> tuple[list[list[Any]], list[list[Any]], list[list[Any]], list[list[Any]]]:
        """Messages, search entries, audit events and tag links of ``cases``."""
        rng = self.rng
        m, e, a, g = (self.tables[k] for k in ("message", "entry", "event", "tag"))
        messages, entries, events, links = [], [], [], []
        for c in cases:
            span = c.updated - c.created
            entries.append(
                e.row(
                    id=e.take_id(), ticket_id=c.pk, message_id=None, public=True, content=c.subject
                )
            )
            staff = c.agent or self.desk.staff[rng.choice(list(self.desk.staff))].pk
            second = (
                ("note", c.note) if c.agent is None or rng.random() < 0.3 else ("reply", c.reply)
            )
            thread = [
                ("customer", c.body, c.created),
                (second[0], second[1], c.created + span / 3),
                ("customer", c.follow_up, c.created + span * 0.6),
            ]
            for kind, text, at in thread:
                pk = m.take_id()
                by_customer = kind == "customer"
                messages.append(
                    m.row(
                        id=pk,
                        ticket_id=c.pk,
                        kind=kind,
                        author_user_id=None if by_customer else staff,
                        author_customer_id=c.customer if by_customer else None,
                        channel=c.channel if by_customer else "agent",
                        body=text,
                        created_at=at,
                    )
                )
                entries.append(
                    e.row(
                        id=e.take_id(),
                        ticket_id=c.pk,
                        message_id=pk,
                        public=kind != "note",
                        content=text,
                    )
                )
            events.append(
                a.row(
                    id=a.take_id(),
                    ticket_id=c.pk,
                    actor_id=None,
                    actor_kind="system",
                    actor_label="caredesk",
                    verb="created",
                    field="",
                    public=True,
                    created_at=c.created,
                )
            )
            if c.agent is not None:
                for verb, field, value, at in (
                    ("assigned", "assignee", None, c.created),
                    ("status_changed", "status", json.dumps({"status": c.status}), c.updated),
                ):
                    events.append(
                        a.row(
                            id=a.take_id(),
                            ticket_id=c.pk,
                            actor_id=c.agent,
                            actor_kind="staff",
                            actor_label=c.agent_label,
                            verb=verb,
                            field=field,
                            new_value=value,
                            public=False,
                            created_at=at,
                        )
                    )
            if c.tag is not None:
                links.append(g.row(id=g.take_id(), ticket_id=c.pk, tag_id=c.tag))
        return messages, entries, events, links


# --- the build --------------------------------------------------------------------------


def build(
    pg_url: str,
    cases: int,
    *,
    keep_indexes: bool = False,
    rebuild: bool = False,
    seed: int = 1,
    say: Callable[[str], None] | None = None,
) -> str:
    """The URL of a database holding ``cases`` generated cases (built, or reused)."""
    say = say or (lambda text: print(text, file=sys.stderr, flush=True))
    name = database_name(cases)
    url = _url_for(pg_url, name)
    done = None if rebuild else finished_build(url)
    if done is not None and done["cases"] == cases:
        say(f"reusing {name}: {cases:,} cases, built in {done['seconds']:.0f} s")
        setup_django(url)
        return url
    url = fresh_database(pg_url, name)
    setup_django(url)
    from django.db import connection

    from caredesk.core import clock

    say(
        f"building {name}: {cases:,} cases with COPY (indexes "
        f"{'kept' if keep_indexes else 'dropped, rebuilt after'})"
    )
    started = time.monotonic()
    gen = CopyGenerator(random.Random(seed), clock.now())
    connection.close()
    import psycopg

    with psycopg.connect(url) as conn, conn.cursor() as cursor:
        cursor.execute("SET maintenance_work_mem = '512MB'")
        cursor.execute("SET synchronous_commit = off")
        gen.start_ids(cursor)
        loaded = [t.name for t in gen.tables.values()]
        dropped = Dropped([], []) if keep_indexes else drop_secondary(cursor, loaded)
        conn.commit()
        n_customers = max(100, cases // CASES_PER_CUSTOMER)
        customers, identities = gen.customer_rows(n_customers)
        rows = _copy(cursor, gen.tables["customer"], iter(customers))
        rows += _copy(cursor, gen.tables["identity"], iter(identities))
        conn.commit()
        written = 0
        load_started = time.monotonic()
        while written < cases:
            size = min(CHUNK, cases - written)
            planned = gen.cases(size)
            rows += _copy(cursor, gen.tables["ticket"], (row for _, row in planned))
            messages, entries, events, links = gen.children([c for c, _ in planned])
            rows += _copy(cursor, gen.tables["message"], iter(messages))
            rows += _copy(cursor, gen.tables["entry"], iter(entries))
            rows += _copy(cursor, gen.tables["event"], iter(events))
            rows += _copy(cursor, gen.tables["tag"], iter(links))
            conn.commit()
            written += size
            spent = time.monotonic() - load_started
            rate = written / spent
            say(
                f"{written:>9,} cases  {rate:>7,.0f} cases/s  "
                f"{rows / (time.monotonic() - started):>8,.0f} "
                f"rows/s  ETA load {((cases - written) / rate):>5.0f} s"
            )
        load_seconds = time.monotonic() - load_started
        gen.finish_ids(cursor)
        index_started = time.monotonic()
        if not keep_indexes:
            say(
                f"indexes and constraints ({len(dropped.indexes)} indexes, "
                f"{len(dropped.constraints)} constraints):"
            )
            restore_secondary(cursor, dropped, say)
        conn.commit()
        index_seconds = time.monotonic() - index_started
        analyze_started = time.monotonic()
        conn.autocommit = True
        cursor.execute("ANALYZE")
        analyze_seconds = time.monotonic() - analyze_started
        total = time.monotonic() - started
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {MARKER} (cases integer, seconds double precision, "
            "keep_indexes boolean, at timestamptz DEFAULT now())"
        )
        cursor.execute(
            f"INSERT INTO {MARKER} (cases, seconds, keep_indexes) VALUES (%s, %s, %s)",  # noqa: S608
            [cases, total, keep_indexes],
        )
        cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
        db_size = (cursor.fetchone() or ["?"])[0]
    say(
        f"done: {cases:,} cases, {rows:,} rows in {total:.0f} s (load {load_seconds:.0f} s, "
        f"indexes {index_seconds:.0f} s, ANALYZE {analyze_seconds:.0f} s); {rows / total:,.0f} "
        f"rows/s; database {db_size}; load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )
    return url


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.datagen_copy", description=__doc__)
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument(
        "--pg-url",
        default=os.environ.get("PG_URL") or "postgres://postgres@127.0.0.1:5432/postgres",
    )
    parser.add_argument(
        "--keep-indexes", action="store_true", help="load with every index in place"
    )
    parser.add_argument(
        "--rebuild", action="store_true", help="build even if a finished build exists"
    )
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    cases = max(1, min(args.cases, 10_000_000))
    try:
        build(
            args.pg_url, cases, keep_indexes=args.keep_indexes, rebuild=args.rebuild, seed=args.seed
        )
    except Exception as exc:
        import psycopg

        if isinstance(exc, psycopg.OperationalError):
            print(f"SKIPPED: bench.datagen_copy needs PostgreSQL ({exc})".strip())
            return 0
        raise
    return 0


if __name__ == "__main__":
    sys.exit(main())
