"""``python -m bench.http_bench``: the issue-16 table, measured over HTTP against real processes.

Run: ``.venv/bin/python -m bench.http_bench`` (10,000 cases), ``--cases 200000`` or
``--cases 1000000`` (options: ``--seconds`` per scenario, 15 by default and at most 120;
``--pg-url``; ``--backend`` of the task queue, ``rq`` by default; ``--task-workers``, 0
by default; ``--rebuild``; ``--json``). The database ``caredesk_bench_<cases>`` is built
with :mod:`bench.datagen_copy` (COPY) or reused when a finished build of that size is
there; cases the run creates are added to it (a reused database grows by them).

The stack is :func:`bench.scale.serve_stack`: ``caredesk serve --no-worker --workers 2``
(two gunicorn processes), PostgreSQL, and a Redis database of its own for the cache, rate
limits and presence (and RQ). The load driver is :func:`bench.scale.drive` (keep-alive
connections from threads, loopback only, bounded in time and requests). Paths:

- create a case, ``POST /api/v1/cases``, with 1 and 8 connections;
- the inbox first page (``GET /``) and the case page with its messages
  (``GET /cases/<id>/``), signed in as an administrator (a session cookie);
- the workspace search page for 20 words from rare to found in most cases, one row per
  frequency band (the share of cases holding the word is estimated from a
  sample of the entries);
- the API list of open cases (``?status=open``), pages of 100 at depth 1, 10 and 100
  (following ``next_cursor``; as deep as there are pages), and the first page of every
  case (no filter);
- ``GET /api/v1/openapi.json``.

Each row: requests, errors, req/s, p50, p99 (full responses), the statements one request
runs (counted in this process with ``CaptureQueriesContext``, one request of the same
path against the same database after a warm-up) and the issue's target. Each scenario
starts with 4 requests that are not counted (the first request a process serves builds
what it builds once, e.g. the OpenAPI document). The load average
is printed before and after. Numbers are printed, never asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import secrets
import sys
import tempfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from bench.datagen_copy import build, database_name
from bench.scale import Outcome, Request, claim_redis, env_for, serve_stack
from bench.scale import drive as _drive

TARGETS = {
    "create": "≥ 250 req/s (1 conn), ≥ 500 req/s p99 ≤ 50 ms (8); ≤ 8 queries",
    "inbox": "p50 ≤ 25 ms, flat 10k → 1M",
    "search": "p50 ≤ 50 ms, p99 ≤ 150 ms, whatever the word",
    "case": "p50 ≤ 20 ms, ≤ 10 queries",
    "list": "≤ 30 ms a page, any depth",
    "openapi": "≤ 20 ms (built once)",
}
BANDS = (  # share of cases holding the word
    ("rare (< 0.1 %)", 0.0, 0.001),
    ("uncommon (0.1 to 1 %)", 0.001, 0.01),
    ("common (1 to 10 %)", 0.01, 0.1),
    ("frequent (10 to 30 %)", 0.1, 0.3),
    ("very frequent (≥ 30 %)", 0.3, 1.01),
)
SAMPLE = 20_000
WORD = re.compile(r"[a-z]{4,}")


@dataclass
class Row:
    path: str
    conns: int
    outcome: Outcome
    queries: int | None
    target: str

    def as_dict(self) -> dict[str, Any]:
        return {
            **self.outcome.row(),
            "path": self.path,
            "queries": self.queries,
            "target": self.target,
        }


@dataclass
class Scene:
    key: str  # which target
    path: str
    conns: int
    make: Callable[[random.Random], Request]
    probe: Request  # one request, counted in process
    cookie: bool = False


def admin_and_token() -> tuple[Any, str]:
    from caredesk.accounts.actions import do_create_api_token
    from caredesk.accounts.models import Role, User
    from caredesk.core import clock

    email = "http-bench-admin@desk.test"
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(email, None, name="HTTP Bench", role=Role.ADMIN)
    token = do_create_api_token(
        user=user, name=f"http bench {secrets.token_hex(3)}", now=clock.now()
    )
    return user, token.plaintext


def session_cookie(user: Any) -> str:
    from django.conf import settings
    from django.test import Client

    client = Client(SERVER_NAME="127.0.0.1")
    client.force_login(user)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


def pick_words(rng: random.Random) -> list[tuple[str, float]]:
    """20 search terms from rare to very frequent, with the share of cases holding each
    (estimated from the search entries of a sample of cases): two order numbers (one case
    each), then words at log-spaced frequency ranks from the most frequent down."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM tickets_ticket")
        total = cursor.fetchone()[0]
        cursor.execute(
            "SELECT e.ticket_id, e.content FROM tickets_searchentry e WHERE e.ticket_id IN "
            "(SELECT id FROM tickets_ticket TABLESAMPLE BERNOULLI (%s) LIMIT %s)",
            [min(100.0, SAMPLE * 100.0 / max(total, 1)), SAMPLE],
        )
        by_case: dict[int, set[str]] = {}
        for ticket_id, content in cursor.fetchall():
            by_case.setdefault(ticket_id, set()).update(WORD.findall(content.lower()))
        cursor.execute(
            "SELECT substring(original_request from 'BH-[0-9]{6}') FROM tickets_ticket "
            "WHERE original_request LIKE '%BH-%' LIMIT 2"
        )
        orders = [row[0] for row in cursor.fetchall()]
    seen: Counter[str] = Counter()
    for words in by_case.values():
        seen.update(words)
    n = max(len(by_case), 1)
    ranked = seen.most_common()
    picked: list[tuple[str, float]] = [(o, 1 / max(total, 1)) for o in orders]
    wanted = 20 - len(picked)
    if ranked:
        ranks = sorted({int(len(ranked) ** (i / (wanted - 1))) - 1 for i in range(wanted)})
        picked += [(ranked[i][0], ranked[i][1] / n) for i in ranks]
    while len(picked) < 20 and len(picked) < len(ranked) + len(orders):
        word, count = rng.choice(ranked)
        if word not in dict(picked):
            picked.append((word, count / n))
    return picked[:20]


def count_queries(client: Any, request: Request, headers: dict[str, str]) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    method, path, body = request

    def send() -> Any:
        if method == "POST":
            return client.post(path, data=body, content_type="application/json", headers=headers)
        return client.get(path, headers=headers)

    send()  # warm-up: caches, prepared documents
    with CaptureQueriesContext(connection) as captured:
        response = send()
    if response.status_code >= 400:
        return -response.status_code
    return len(captured)


def walk_cursor(client: Any, base: str, headers: dict[str, str], depth: int) -> tuple[str, int]:
    """The address of page ``depth`` of ``base`` (following next_cursor), and the depth
    reached (fewer pages may exist)."""
    path, reached = base, 1
    while reached < depth:
        data = client.get(path, headers=headers).json()
        cursor = data.get("next_cursor")
        if not cursor:
            break
        path = f"{base}&{urlencode({'cursor': cursor})}"
        reached += 1
    return path, reached


def scenes(
    rng: random.Random, token: str, cookie: str
) -> tuple[list[Scene], list[tuple[str, list[tuple[str, float]]]]]:
    from django.test import Client

    from caredesk.tickets.models import Ticket

    api = {"Authorization": f"Bearer {token}"}
    client = Client(SERVER_NAME="127.0.0.1")
    customers = list(
        Ticket.objects.order_by().values_list("customer_id", flat=True).distinct()[:2000]
    )
    top = Ticket.objects.order_by("-id").values_list("id", flat=True).first() or 1
    case_ids = sorted({rng.randint(1, top) for _ in range(2000)})
    case_ids = list(Ticket.objects.filter(pk__in=case_ids).values_list("pk", flat=True))

    def create(r: random.Random) -> Request:
        body = {
            "subject": f"Parcel {r.getrandbits(24):x} has not arrived",
            "body": "Hello, my parcel was due on Monday and the tracking has not moved.",
            "customer_id": r.choice(customers),
        }
        return "POST", "/api/v1/cases", json.dumps(body).encode()

    def fixed(request: Request) -> Callable[[random.Random], Request]:
        return lambda r: request

    out = [
        Scene("create", "POST /api/v1/cases", 1, create, create(rng)),
        Scene("create", "POST /api/v1/cases", 8, create, create(rng)),
        Scene(
            "inbox",
            "GET / (inbox first page)",
            1,
            fixed(("GET", "/", None)),
            ("GET", "/", None),
            True,
        ),
        Scene(
            "case",
            "GET /cases/<id>/ (case page, 3 messages)",
            1,
            lambda r: ("GET", f"/cases/{r.choice(case_ids)}/", None),
            ("GET", f"/cases/{case_ids[0]}/", None),
            True,
        ),
    ]
    words = pick_words(rng)
    bands = []
    for label, low, high in BANDS:
        band = [(w, share) for w, share in words if low <= share < high]
        if not band:
            continue
        bands.append((label, band))
        paths = [f"/search?{urlencode({'q': w})}" for w, _ in band]
        out.append(
            Scene(
                "search",
                f"GET /search: {label}, {len(band)} words",
                1,
                lambda r, paths=paths: ("GET", r.choice(paths), None),  # type: ignore[misc]
                ("GET", paths[0], None),
                True,
            )
        )
    for base, label, depths in (
        ("/api/v1/cases?limit=100&status=open", "open cases", (1, 10, 100)),
        # every case, newest activity first: only the first page (walking 100 pages of it
        # at 1,000,000 cases takes minutes, see docs/benchmarks.md)
        ("/api/v1/cases?limit=100", "all cases", (1,)),
    ):
        for depth in depths:
            path, reached = walk_cursor(client, base, api, depth)
            if reached < depth and depth > 1:
                depth_label = f"depth {reached} (last; {depth} asked)"
            else:
                depth_label = f"depth {reached}"
            out.append(
                Scene(
                    "list",
                    f"GET /api/v1/cases {label}, 100 a page, {depth_label}",
                    1,
                    fixed(("GET", path, None)),
                    ("GET", path, None),
                )
            )
            if reached < depth:
                break
    spec = ("GET", "/api/v1/openapi.json", None)
    out.append(Scene("openapi", "GET /api/v1/openapi.json", 1, fixed(spec), spec))
    return out, bands


def run(args: argparse.Namespace) -> dict[str, Any]:
    # This process counts the statements of one request of each path: it runs with the
    # served settings (Redis for the cache and limits, the same task backend), on a Redis
    # database of its own.
    redis_client, number = claim_redis()
    try:
        served = env_for("", number, args.backend, f"bench-{secrets.token_hex(4)}")
        os.environ.update({k: v for k, v in served.items() if k != "DATABASE_URL"})
        return _run(args)
    finally:
        redis_client.flushdb()
        redis_client.close()


def _run(args: argparse.Namespace) -> dict[str, Any]:
    url = build(args.pg_url, args.cases, rebuild=args.rebuild)
    from django.db import connection
    from django.test import Client

    from caredesk.tickets.models import Ticket

    rng = random.Random(args.seed)
    user, token = admin_and_token()
    cookie = session_cookie(user)
    cases_before = Ticket.objects.count()
    plan, bands = scenes(rng, token, cookie)
    api_headers = {"Authorization": f"Bearer {token}"}
    client = Client(SERVER_NAME="127.0.0.1")
    client.force_login(user)
    queries = {
        id(scene): count_queries(client, scene.probe, {} if scene.cookie else api_headers)
        for scene in plan
    }
    connection.close()
    rows: list[Row] = []
    load_before = os.getloadavg()
    with (
        tempfile.TemporaryDirectory(prefix="caredesk-http-bench-") as tmp,
        serve_stack(url, args.backend, Path(tmp), workers=args.task_workers) as stack,
    ):
        for scene in plan:
            headers = {"Host": "127.0.0.1", "Content-Type": "application/json"}
            if scene.cookie:
                headers["Cookie"] = cookie
            else:
                headers["Authorization"] = f"Bearer {token}"
            outcome = _drive(
                "127.0.0.1",
                stack.port,
                scene.path,
                scene.make,
                headers=headers,
                connections=scene.conns,
                seconds=args.seconds,
            )
            rows.append(
                Row(scene.path, scene.conns, outcome, queries[id(scene)], TARGETS[scene.key])
            )
            print(_line(rows[-1].as_dict()), file=sys.stderr, flush=True)
    load_after = os.getloadavg()
    return {
        "database": database_name(args.cases),
        "cases_before": cases_before,
        "cases_after": Ticket.objects.count(),
        "backend": args.backend,
        "task_workers": args.task_workers,
        "seconds_per_scenario": args.seconds,
        "rows": [r.as_dict() for r in rows],
        "bands": [
            {"band": b, "words": [{"word": w, "share": s} for w, s in ws]} for b, ws in bands
        ],
        "loadavg_before": load_before,
        "loadavg_after": load_after,
    }


HEADER = (
    f"{'path':68} {'conns':>5} {'reqs':>6} {'err':>4} {'req/s':>7} {'p50 ms':>7} "
    f"{'p99 ms':>7} {'queries':>7}  target"
)


def _line(r: dict[str, Any]) -> str:
    q = r["queries"]
    q = "?" if q is None else (f"HTTP {-q}" if q < 0 else q)
    return (
        f"{r['path'][:68]:68} {r['connections']:>5} {r['requests']:>6} {r['errors']:>4} "
        f"{r['req_per_s']:>7} {r['p50_ms']!s:>7} {r['p99_ms']!s:>7} {q!s:>7}  {r['target']}"
    )


def print_report(report: dict[str, Any]) -> None:
    print(
        f"caredesk over HTTP: {report['database']} ({report['cases_before']:,} cases before the "
        f"run, {report['cases_after']:,} after); 2 gunicorn processes, PostgreSQL, Redis; task "
        f"queue {report['backend']} with {report['task_workers']} workers; "
        f"{report['seconds_per_scenario']:.0f} s a scenario; {os.cpu_count()} cores"
    )
    print(HEADER)
    for r in report["rows"]:
        print(_line(r))
    print("search words by band (share of cases holding the word):")
    for band in report["bands"]:
        words = ", ".join(f"{w['word']} {w['share'] * 100:.3g} %" for w in band["words"])
        print(f"  {band['band']}: {words}")
    print(
        "load average before: {:.2f} {:.2f} {:.2f}; after: {:.2f} {:.2f} {:.2f}".format(
            *report["loadavg_before"], *report["loadavg_after"]
        )
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.http_bench", description=__doc__)
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument(
        "--pg-url",
        default=os.environ.get("PG_URL") or "postgres://postgres@127.0.0.1:5432/postgres",
    )
    parser.add_argument("--seconds", type=float, default=15.0, help="per scenario (max 120)")
    parser.add_argument("--backend", choices=("rq", "database"), default="rq")
    parser.add_argument("--task-workers", type=int, default=0, choices=range(0, 5))
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    args.cases = max(100, min(args.cases, 10_000_000))
    args.seconds = max(1.0, min(args.seconds, 120.0))
    try:
        import psycopg
        import redis

        psycopg.connect(args.pg_url.rsplit("/", 1)[0] + "/postgres", connect_timeout=3).close()
        redis.Redis(host="127.0.0.1", port=6379, socket_connect_timeout=2).ping()
    except Exception as exc:  # no server: say so, do not fail make bench
        print(f"SKIPPED: bench.http_bench needs PostgreSQL and Redis ({type(exc).__name__}: {exc})")
        return 0
    report = run(args)
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print_report(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
