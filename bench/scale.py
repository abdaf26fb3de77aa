"""``python -m bench.scale``: caredesk as several processes on this machine, measured over HTTP.

One run per task backend (``--backend rq``, ``database`` or ``both``, the default): a fresh
PostgreSQL database (``caredesk_scale``, created and dropped here), a Redis database of
its own (the first empty one from 15 down, claimed with a key, flushed afterwards),
``caredesk serve --no-worker --workers 2`` (two gunicorn processes, four threads each)
and two ``caredesk worker`` processes, all with ``REDIS_URL`` set (cache, rate limits and
presence in Redis) and ``CAREDESK_TASK_BACKEND`` the backend measured.

The load driver is :func:`drive`: persistent HTTP/1.1 connections from threads, to the
loopback only (it refuses any other host), bounded in time, connections and requests.
For each scenario it prints requests, req/s, p50 and p99; then how long the two workers
took to drain the tasks the creates asked for (acknowledgements, enrichment, SLA
planning, webhooks…), and the processes' memory. Numbers are printed, never asserted;
docs/scaling.md has a run and what they mean.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import secrets
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.soak import CLI, ROOT, _free_port, _fresh_database, prepare_desk

LOOPBACK = ("127.0.0.1", "::1", "localhost")
MAX_CONNECTIONS = 32
MAX_SECONDS = 120.0
MAX_REQUESTS = 50_000
REDIS_NUMBERS = range(15, 3, -1)
CLAIM = "caredesk-bench:claimed"

Request = tuple[str, str, bytes | None]  # method, path, body


@dataclass
class Outcome:
    scenario: str
    connections: int
    latencies: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    seconds: float = 0.0

    def row(self) -> dict[str, Any]:
        lat = sorted(self.latencies)
        ok = sum(n for s, n in self.statuses.items() if 200 <= s < 300)
        return {
            "scenario": self.scenario,
            "connections": self.connections,
            "requests": len(lat),
            "errors": len(lat) - ok,
            "req_per_s": round(len(lat) / self.seconds, 1) if self.seconds else 0.0,
            "p50_ms": round(statistics.median(lat) * 1000, 1) if lat else None,
            "p99_ms": round(lat[min(len(lat) - 1, int(len(lat) * 0.99))] * 1000, 1)
            if lat
            else None,
            "statuses": dict(self.statuses),
        }


def drive(
    host: str,
    port: int,
    scenario: str,
    make: Callable[[random.Random], Request],
    *,
    headers: dict[str, str],
    connections: int,
    seconds: float,
    max_requests: int = MAX_REQUESTS,
    seed: int = 1,
) -> Outcome:
    """Send requests made by ``make`` over ``connections`` keep-alive connections for
    ``seconds`` (or until ``max_requests``); every latency is the full response read."""
    if host not in LOOPBACK:
        raise ValueError(f"the load driver only talks to the loopback, not {host!r}")
    connections = max(1, min(connections, MAX_CONNECTIONS))
    seconds = max(0.5, min(seconds, MAX_SECONDS))
    out = Outcome(scenario, connections)
    lock = threading.Lock()
    sent = [0]
    deadline = time.monotonic() + seconds

    def client(n: int) -> None:
        rng = random.Random(seed * 1000 + n)
        conn = http.client.HTTPConnection(host, port, timeout=60)
        mine: list[float] = []
        statuses: Counter[int] = Counter()
        try:
            while time.monotonic() < deadline:
                with lock:
                    if sent[0] >= max_requests:
                        break
                    sent[0] += 1
                method, path, body = make(rng)
                started = time.perf_counter()
                try:
                    conn.request(method, path, body=body, headers=headers)
                    response = conn.getresponse()
                    response.read()
                    status = response.status
                except (OSError, http.client.HTTPException):
                    conn.close()
                    conn = http.client.HTTPConnection(host, port, timeout=60)
                    status = 599
                mine.append(time.perf_counter() - started)
                statuses[status] += 1
        finally:
            conn.close()
            with lock:
                out.latencies.extend(mine)
                out.statuses.update(statuses)

    started = time.monotonic()
    threads = [threading.Thread(target=client, args=(n,)) for n in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    out.seconds = time.monotonic() - started
    return out


# --- the processes ---------------------------------------------------------------------


def claim_redis() -> tuple[Any, int]:
    import redis

    token = secrets.token_hex(6)
    for number in REDIS_NUMBERS:
        client = redis.Redis(host="127.0.0.1", port=6379, db=number)
        if client.dbsize() == 0 and client.set(CLAIM, token, nx=True, ex=3600):
            return client, number
        client.close()
    raise RuntimeError("no empty Redis database between 4 and 15")


def env_for(db_url: str, redis_number: int, backend: str, prefix: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("CAREDESK_TESTING", "PYTEST_VERSION")}
    env.update(
        DATABASE_URL=db_url,
        REDIS_URL=f"redis://127.0.0.1:6379/{redis_number}",
        CAREDESK_REDIS_KEY_PREFIX=prefix,
        CAREDESK_TASK_BACKEND=backend,
        CAREDESK_TESTING="false",
        DEBUG="false",
        LOG_LEVEL="WARNING",
        RATELIMIT_ENABLE="false",
        CAREDESK_API_RATE="1000000/m",
        EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend",
        PYTHONUNBUFFERED="1",
    )
    return env


def tree(pid: int) -> list[int]:
    """A process and all its descendants (caredesk serve → gunicorn → its workers)."""
    found, todo = [], [pid]
    while todo:
        p = todo.pop()
        found.append(p)
        try:
            todo += [int(c) for c in Path(f"/proc/{p}/task/{p}/children").read_text().split()]
        except OSError:
            continue
    return found


def rss_mb(pid: int) -> float:
    """Resident memory of a process tree, summed (shared pages counted in each), in MB."""
    total = 0
    for p in tree(pid):
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return round(total / 1024, 1)


TICKS = os.sysconf("SC_CLK_TCK")


def cpu_of(pids: list[int]) -> dict[int, float]:
    """CPU seconds (user + system) used so far by each process."""
    used = {}
    for p in pids:
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        used[p] = (int(fields[11]) + int(fields[12])) / TICKS
    return used


def pg_backends() -> list[int]:
    """The PostgreSQL server processes serving this benchmark's database."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid()"
        )
        return [int(row[0]) for row in cursor.fetchall()]


class CPU:
    """CPU seconds each tier used between two snapshots (processes born in between
    count from zero)."""

    def __init__(self, tiers: dict[str, Callable[[], list[int]]]) -> None:
        self.tiers = tiers
        self.start = self.snapshot()

    def snapshot(self) -> dict[str, dict[int, float]]:
        return {name: cpu_of(pids()) for name, pids in self.tiers.items()}

    def lap(self) -> dict[str, float]:
        now = self.snapshot()
        used = {
            name: round(sum(t - self.start[name].get(p, 0.0) for p, t in now[name].items()), 2)
            for name in self.tiers
        }
        self.start = now
        return used


def wait_http(port: int, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"the web server on port {port} did not start")


def backlog(backend: str, redis_client: Any) -> int:
    """Tasks waiting or running now (the heartbeat waiting for its minute excluded)."""
    if backend == "rq":
        from rq import Queue
        from rq.registry import StartedJobRegistry

        queue = Queue("default", connection=redis_client)
        return int(queue.count) + len(StartedJobRegistry(queue=queue))
    from django_tasks_db.models import DBTaskResult

    from caredesk.core.periodic import heartbeat

    ready = DBTaskResult.objects.ready().exclude(task_path=heartbeat.module_path).count()
    return int(ready + DBTaskResult.objects.running().count())


def tasks_done(backend: str, redis_client: Any) -> int:
    if backend == "rq":
        from rq import Queue

        queue = Queue("default", connection=redis_client)
        return len(queue.finished_job_registry) + len(queue.failed_job_registry)
    from django_tasks_db.models import DBTaskResult

    return int(DBTaskResult.objects.filter(status__in=["SUCCESSFUL", "FAILED"]).count())


@dataclass
class Stack:
    """caredesk running as processes: the web server's port, the processes, the Redis
    database claimed for them and the environment they run with."""

    port: int
    web: subprocess.Popen[bytes]
    workers: list[subprocess.Popen[bytes]]
    redis_client: Any
    redis_number: int
    env: dict[str, str]


@contextmanager
def serve_stack(db_url: str, backend: str, tmp: Path, *, workers: int = 2) -> Iterator[Stack]:
    """``caredesk serve --no-worker --workers 2`` and ``workers`` task workers on ``db_url``
    with a Redis database of their own (cache, rate limits, presence, and RQ when
    ``backend`` is ``rq``); stopped, and the Redis database flushed, on the way out."""
    redis_client, number = claim_redis()
    env = env_for(db_url, number, backend, f"bench-{secrets.token_hex(4)}")
    port = _free_port()
    names = ["web", *(f"w{n + 1}" for n in range(workers))]
    logs = [open(tmp / f"{backend}-{name}.log", "wb") for name in names]  # noqa: SIM115
    web = subprocess.Popen(  # noqa: S603
        [*CLI, "serve", "--no-worker", "--port", str(port), "--workers", "2"],
        env=env,
        cwd=ROOT,
        stdout=logs[0],
        stderr=subprocess.STDOUT,
    )
    children = [
        subprocess.Popen(  # noqa: S603
            [*CLI, "worker", "--interval", "0.2", "--verbosity", "0"],
            env=env,
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        for log in logs[1:]
    ]
    try:
        wait_http(port)
        yield Stack(port, web, children, redis_client, number, env)
    finally:
        for proc in (*children, web):
            proc.terminate()
        for proc in (*children, web):
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
        for log in logs:
            log.close()
        redis_client.flushdb()
        redis_client.close()


def run_backend(backend: str, db_url: str, args: argparse.Namespace, tmp: Path) -> dict[str, Any]:
    from django.db import connections

    connections.close_all()
    _fresh_database(db_url)
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    call_command("createcachetable", verbosity=0)
    desk = prepare_desk()
    with serve_stack(db_url, backend, tmp, workers=2) as running:
        return _measure(backend, desk, running, args)


def _measure(backend: str, desk: Any, running: Stack, args: argparse.Namespace) -> dict[str, Any]:
    port, web, workers, redis_client = (
        running.port,
        running.web,
        running.workers,
        running.redis_client,
    )
    headers = {
        "Authorization": f"Bearer {desk.staff_token}",
        "Content-Type": "application/json",
        "Host": "127.0.0.1",
    }
    rows: list[dict[str, Any]] = []
    created: list[int] = []
    time.sleep(3)  # the workers take their leases and start the heartbeat
    done_before = tasks_done(backend, redis_client)

    def create(rng: random.Random) -> Request:
        customer_id, _ = rng.choice(desk.customers)
        body = {
            "subject": f"Parcel {rng.getrandbits(24):x} has not arrived",
            "body": "Hello, my parcel was due on Monday and the tracking has not moved.",
            "customer_id": customer_id,
        }
        return "POST", "/api/v1/cases", json.dumps(body).encode()

    cpu = CPU(
        {
            "web": lambda: tree(web.pid),
            "workers": lambda: [p for w in workers for p in tree(w.pid)],
            "postgres": pg_backends,
        }
    )

    def measured(outcome: Outcome) -> dict[str, Any]:
        row = outcome.row()
        used = cpu.lap()
        n = max(row["requests"], 1)
        row["cpu_ms_per_request"] = {k: round(v * 1000 / n, 1) for k, v in used.items()}
        return row

    load_started = time.monotonic()
    for conns in (1, 8):
        outcome = drive(
            "127.0.0.1",
            port,
            "create a case (POST /api/v1/cases)",
            create,
            headers=headers,
            connections=conns,
            seconds=args.seconds,
        )
        rows.append(measured(outcome))
    load_ended = time.monotonic()
    waiting_at_end = backlog(backend, redis_client)
    while backlog(backend, redis_client) and time.monotonic() - load_ended < args.drain:
        time.sleep(0.2)
    drained = time.monotonic()
    drain_cpu = cpu.lap()
    done = tasks_done(backend, redis_client) - done_before
    from caredesk.tickets.models import Ticket

    created = list(Ticket.objects.values_list("pk", flat=True))
    reads: list[tuple[str, Callable[[random.Random], Request]]] = [
        ("list open cases (GET /api/v1/cases)", lambda r: ("GET", "/api/v1/cases", None)),
        (
            "a case (GET /api/v1/cases/{id})",
            lambda r: ("GET", f"/api/v1/cases/{r.choice(created)}", None),
        ),
        (
            "search (GET /api/v1/cases?q=parcel)",
            lambda r: ("GET", "/api/v1/cases?q=parcel", None),
        ),
    ]
    for name, make in reads:
        rows.append(
            measured(
                drive(
                    "127.0.0.1",
                    port,
                    name,
                    make,
                    headers=headers,
                    connections=8,
                    seconds=args.seconds,
                )
            )
        )
    memory = {
        "web (gunicorn, 2 workers)": rss_mb(web.pid),
        "worker 1": rss_mb(workers[0].pid),
        "worker 2": rss_mb(workers[1].pid),
    }
    return {
        "backend": backend,
        "rows": rows,
        "cases": len(created),
        "tasks": {
            "run": done,
            "waiting_when_load_ended": waiting_at_end,
            "seconds_to_drain_after_load": round(drained - load_ended, 1),
            "tasks_per_s_over_load_and_drain": round(done / (drained - load_started), 1),
            "still_waiting": backlog(backend, redis_client),
            "cpu_s_while_draining": drain_cpu,
            "tasks_run_while_draining": waiting_at_end,
        },
        "memory_mb": memory,
    }


def print_report(report: dict[str, Any]) -> None:
    print(f"\n== {report['backend']} task queue: {report['cases']} cases at the end ==")
    print(
        f"{'scenario':40} {'conns':>5} {'reqs':>6} {'err':>4} {'req/s':>7} {'p50':>7} "
        f"{'p99':>7}  CPU ms/request: web, workers, postgres"
    )
    for r in report["rows"]:
        c = r["cpu_ms_per_request"]
        print(
            f"{r['scenario']:40} {r['connections']:>5} {r['requests']:>6} {r['errors']:>4} "
            f"{r['req_per_s']:>7} {r['p50_ms']!s:>7} {r['p99_ms']!s:>7}  "
            f"{c['web']}, {c['workers']}, {c['postgres']}"
        )
    t = report["tasks"]
    print(
        f"tasks: {t['run']} run; {t['waiting_when_load_ended']} waiting when the load ended, "
        f"drained {t['seconds_to_drain_after_load']} s later; "
        f"{t['tasks_per_s_over_load_and_drain']} tasks/s; {t['still_waiting']} left"
    )
    d, n = t["cpu_s_while_draining"], max(t["tasks_run_while_draining"], 1)
    print(
        f"while draining ({n} tasks): CPU ms per task: workers "
        f"{round(d['workers'] * 1000 / n, 1)}, postgres {round(d['postgres'] * 1000 / n, 1)}"
    )
    print("memory (MB RSS): " + ", ".join(f"{k} {v}" for k, v in report["memory_mb"].items()))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=("rq", "database", "both"), default="both")
    parser.add_argument("--seconds", type=float, default=15.0, help="per scenario (max 120)")
    parser.add_argument("--drain", type=float, default=300.0, help="seconds to wait for tasks")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    url = os.environ.get("PG_URL", "postgres://postgres@127.0.0.1:5432/caredesk_scale")
    url = url.rsplit("/", 1)[0] + "/caredesk_scale"  # never drop someone's real database
    try:
        _fresh_database(url)
    except Exception as exc:  # psycopg's errors: no server, no rights
        print(f"SKIPPED: bench.scale needs PostgreSQL ({type(exc).__name__}: {exc})".strip())
        return 0
    try:
        import redis

        redis.Redis(host="127.0.0.1", port=6379, socket_connect_timeout=2).ping()
    except Exception as exc:  # redis' errors: no server
        print(f"SKIPPED: bench.scale needs Redis on 127.0.0.1:6379 ({exc})")
        return 0
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    backends = ["rq", "database"] if args.backend == "both" else [args.backend]
    reports = []
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="caredesk-scale-") as tmp:
        for backend in backends:
            reports.append(run_backend(backend, url, args, Path(tmp)))
    load_after = os.getloadavg()
    if args.json:
        print(json.dumps({"reports": reports, "loadavg": [load_before, load_after]}, indent=2))
        return 0
    print(
        f"caredesk on this machine ({os.cpu_count()} cores): 2 gunicorn processes x 4 threads, "
        "2 workers, PostgreSQL, Redis"
    )
    for report in reports:
        print_report(report)
    print(
        "\nload average before: {:.2f} {:.2f} {:.2f}; after: {:.2f} {:.2f} {:.2f}".format(
            *load_before, *load_after
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
