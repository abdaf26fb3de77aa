"""Care dashboard benchmark: the page at 1,000,000 cases' worth of daily rows.

Run: ``.venv/bin/python -m bench.reports_bench`` (options: ``--cases``, ``--days``,
``--repeat``, ``--pg-url``). It migrates a temporary SQLite database (or, with
``--pg-url``, the PostgreSQL database ``caredesk_bench_reports``, created and dropped
here), writes the aggregate rows that ``--cases`` cases over ``--days`` days would leave
(``CareDay`` by day x team x agent x channel x tier, ``CareTagDay`` by day x team x tag,
inserted directly with ``bulk_create``), and prints the median and p90 of rendering
``GET /reports/`` for a lead: the default 30 days, one team, and a whole year.

The page reads only the aggregate tables, so its cost follows the number of days and
dimension rows, not the number of cases. Target: 100 ms. Numbers are printed, not asserted.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlparse, urlunparse

DB_NAME = "caredesk_bench_reports"
TEAMS = 10
AGENTS_PER_TEAM = 5
CHANNELS = ("email", "portal", "phone", "api", "agent")
TIERS = ("standard", "priority", "vip")
TAGS = 20
TARGET_MS = 100.0


def _positive(text: str) -> int:
    if not text.isdigit() or not 0 < int(text) <= 100_000_000:
        raise argparse.ArgumentTypeError("a whole number from 1 to 100,000,000")
    return int(text)


def _pg_database(pg_url: str, drop_only: bool = False) -> str:
    import psycopg

    parts = urlparse(pg_url)
    admin = urlunparse(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        if not drop_only:
            conn.execute(f'CREATE DATABASE "{DB_NAME}"')
    return urlunparse(parts._replace(path=f"/{DB_NAME}"))


def setup_django(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)


def people() -> tuple[Any, list[int], list[list[int]]]:
    from caredesk.accounts.models import Membership, Role, Team, User

    lead = User.objects.create_user("lead@bench.test", "x", name="Bench Lead", role=Role.LEAD)
    teams, agents = [], []
    for t in range(TEAMS):
        team = Team.objects.create(name=f"Team {t + 1}", slug=f"team-{t + 1}", lead=lead)
        teams.append(team.pk)
        members = []
        for a in range(AGENTS_PER_TEAM):
            user = User.objects.create_user(
                f"agent{t}-{a}@bench.test", "x", name=f"Agent {t}-{a}", role=Role.AGENT
            )
            Membership.objects.create(team=team, user=user)
            members.append(user.pk)
        agents.append(members)
    return lead, teams, agents


def fill(cases: int, days: int, today: date, teams: list[int], agents: list[list[int]]) -> int:
    """Aggregate rows for ``cases`` cases spread over ``days`` days, as the refresh writes
    them (the detail and its rollups). Returns the rows written."""
    from caredesk.reports.buckets import BUCKET_BOUNDS
    from caredesk.reports.models import (
        CareAgentDay,
        CareChannelDay,
        CareDay,
        CareTagDay,
        CareTeamDay,
    )

    rng = random.Random(1)
    per_day = max(1, cases // days)
    width = len(BUCKET_BOUNDS) + 1
    combos = [
        (team, agent, channel, tier)
        for t, team in enumerate(teams)
        for agent in agents[t]
        for channel in CHANNELS
        for tier in TIERS
    ]
    written = 0
    for offset in range(days):
        day = today - timedelta(days=offset)
        counts: dict[tuple[int, int, str, str], int] = {}
        for _ in range(per_day):  # sparse: only the combinations that occur get a row
            key = combos[rng.randrange(len(combos))]
            counts[key] = counts.get(key, 0) + 1
        detail: dict[tuple[int, int, str, str], dict[str, Any]] = {}
        for key, n in counts.items():
            resolved = max(0, n - rng.randint(0, 1))
            fcr = rng.randint(0, resolved)
            buckets = [0] * width
            for _ in range(n):
                buckets[rng.randrange(12)] += 1
            detail[key] = {
                "opened": n,
                "resolved": resolved,
                "fcr_yes": fcr if offset > 7 else 0,
                "fcr_pending": 0 if offset > 7 else fcr,
                "reopened": rng.randint(0, resolved // 4),
                "repeat_contacts": rng.randint(0, n // 3),
                "backlog": rng.randint(0, 3),
                "first_responses": n,
                "first_response_minutes": n * rng.randint(5, 300),
                "first_response_buckets": buckets,
                "promises_kept": rng.randint(0, 2),
                "promises_missed": rng.randint(0, 1),
                "handle_seconds": rng.randint(0, 900),
            }
        by_team: dict[tuple[int, str], dict[str, Any]] = {}
        by_channel: dict[tuple[int, str], dict[str, Any]] = {}
        by_agent: dict[tuple[int, int], dict[str, Any]] = {}
        by_tag: dict[tuple[int, str], dict[str, Any]] = {}
        for (team, agent, channel, tier), values in detail.items():
            tag = f"tag-{rng.randrange(TAGS)}"
            _merge(by_team.setdefault((team, tier), {}), values)
            _merge(by_channel.setdefault((team, channel), {}), values)
            _merge(by_agent.setdefault((team, agent), {}), values)
            _merge(by_tag.setdefault((team, tag), {}), values)
        rows: list[Any] = [
            CareDay(day=day, team_id=k[0], agent_id=k[1], channel=k[2], tier=k[3], **v)
            for k, v in detail.items()
        ]
        rows += [CareTeamDay(day=day, team_id=k[0], tier=k[1], **v) for k, v in by_team.items()]
        rows += [
            CareChannelDay(day=day, team_id=k[0], channel=k[1], **v) for k, v in by_channel.items()
        ]
        rows += [
            CareAgentDay(day=day, team_id=k[0], agent_id=k[1], **v) for k, v in by_agent.items()
        ]
        rows += [CareTagDay(day=day, team_id=k[0], tag=k[1], **v) for k, v in by_tag.items()]
        for model in (CareDay, CareTeamDay, CareChannelDay, CareAgentDay, CareTagDay):
            manager: Any = model.objects
            manager.bulk_create([r for r in rows if type(r) is model], batch_size=2000)
        written += len(rows)
    return written


def _merge(target: dict[str, Any], values: dict[str, Any]) -> None:
    for name, value in values.items():
        if name == "first_response_buckets":
            old = target.get(name) or [0] * len(value)
            target[name] = [a + b for a, b in zip(old, value, strict=True)]
        else:
            target[name] = target.get(name, 0) + value


def measure(fn: Callable[[], Any], repeat: int) -> tuple[float, float, float]:
    """Median and p90 wall-clock ms, and median CPU ms of this process (on a shared,
    busy machine the wall clock includes waiting for a core; the CPU time does not)."""
    fn()  # warm up (template loading, first connection)
    times, cpu = [], []
    for _ in range(repeat):
        started, started_cpu = time.perf_counter(), time.process_time()
        fn()
        times.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    times.sort()
    p90 = times[min(len(times) - 1, int(len(times) * 0.9))]
    return statistics.median(times), p90, statistics.median(cpu)


def run(
    args: argparse.Namespace, database_url: str, label: str
) -> list[tuple[str, float, float, float]]:
    setup_django(database_url)
    from django.test import Client

    from caredesk.core import clock
    from caredesk.reports.buckets import report_zone
    from caredesk.reports.models import CareDay

    now = clock.now().astimezone(UTC)
    today = now.astimezone(report_zone()).date()
    lead, teams, agents = people()
    started = time.perf_counter()
    written = fill(args.cases, args.days, today, teams, agents)
    seconds = time.perf_counter() - started
    print(
        f"{label}: {args.cases:,} cases over {args.days} days -> {written:,} aggregate rows "
        f"({CareDay.objects.count():,} CareDay) written in {seconds:.1f} s"
    )
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(lead)
    year_ago = today - timedelta(days=365)

    def page(url: str) -> Callable[[], None]:
        def get() -> None:
            response = client.get(url)
            assert response.status_code == 200, response.status_code

        return get

    results = []
    for name, url in (
        ("dashboard 30 days", "/reports/"),
        ("dashboard one team", f"/reports/?team={teams[0]}"),
        ("dashboard 366 days", f"/reports/?from={year_ago:%Y-%m-%d}&to={today:%Y-%m-%d}"),
        ("csv agents 30 days", "/reports/export/agents.csv"),
    ):
        median, p90, cpu = measure(page(url), args.repeat)
        flag = "ok" if median <= TARGET_MS else f"over the {TARGET_MS:.0f} ms target"
        print(
            f"  {name:<22} median {median:8.1f} ms   p90 {p90:8.1f} ms   cpu {cpu:7.1f} ms   {flag}"
        )
        results.append((name, median, p90, cpu))
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=_positive, default=1_000_000)
    parser.add_argument("--days", type=_positive, default=365)
    parser.add_argument("--repeat", type=_positive, default=15)
    parser.add_argument("--pg-url", default="", help="PostgreSQL server (default: SQLite)")
    args = parser.parse_args(argv)
    if args.pg_url:
        url = _pg_database(args.pg_url)
        try:
            results = run(args, url, "PostgreSQL")
        finally:
            from django.db import connections

            connections.close_all()
            _pg_database(args.pg_url, drop_only=True)
    else:
        with tempfile.TemporaryDirectory() as tmp:
            os.environ["CAREDESK_DATA_DIR"] = tmp
            results = run(args, f"sqlite:///{Path(tmp) / 'bench.sqlite3'}", "SQLite")
    print(f"\nload average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print("\n| measure | median ms | p90 ms | CPU ms |\n|---|---:|---:|---:|")
    for name, median, p90, cpu in results:
        print(f"| {name} | {median:.1f} | {p90:.1f} | {cpu:.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
