"""Soak: two web processes, two task workers killed with kill -9 over and over, and a few
thousand operations through caredesk's own HTTP API and signed email endpoint. Then the
queue drains and every effect is counted: every case acknowledged exactly once, every
customer message scored exactly once, every reply mailed exactly once, nothing left
RUNNING.

    python -m bench.soak                       # 3,000 operations, 4 kills per worker
    python -m bench.soak --ops 500 --kills 2   # shorter
    PG_URL=postgres://user@host/db python -m bench.soak

Needs PostgreSQL: the database named in PG_URL (default ``caredesk_soak``) is dropped and
created afresh. The workers run under caredesk's supervisor (the one ``caredesk serve``
uses), so a killed worker is started again after its backoff; the next worker puts the
killed one's task back in the queue (caredesk/core/recovery.py). tests/tasks/test_soak.py
runs a short form of this in the test suite.
"""

from __future__ import annotations

import argparse
import email.message
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CLI = [sys.executable, "-m", "caredesk.cli"]
ROOT = Path(__file__).resolve().parents[1]
SECRET = "soak-inbound-secret"
WEIGHTS = {"api_case": 30, "email_case": 25, "email_reply": 25, "api_reply": 20}


@dataclass
class Desk:
    staff_token: str
    customers: list[tuple[int, str]]  # (customer id, address)


@dataclass
class Load:
    """What the load generator did, and the cases it may write on."""

    ok: Counter[str] = field(default_factory=Counter)
    failed: Counter[str] = field(default_factory=Counter)
    cases: list[tuple[int, str, str]] = field(default_factory=list)  # id, reference, address
    lock: threading.Lock = field(default_factory=threading.Lock)


def prepare_desk(customers: int = 40) -> Desk:
    """A staff token and customers to write as (in the database Django is set up on)."""
    from caredesk.accounts.actions import do_create_api_token
    from caredesk.accounts.models import Role, User
    from caredesk.core import clock
    from caredesk.customers.models import ContactIdentity, Customer

    now = clock.now()
    admin = User.objects.create_user(
        "soak-admin@desk.test", "soak horse battery staple", name="Soak Admin", role=Role.ADMIN
    )
    token = do_create_api_token(user=admin, name="soak", now=now).plaintext
    people = []
    for n in range(customers):
        address = f"customer{n}@soak.test"
        user = User.objects.create_user(address, None, name=f"Customer {n}", role=Role.CUSTOMER)
        customer = Customer.objects.create(name=user.name, user=user)
        ContactIdentity.objects.create(
            customer=customer, kind=ContactIdentity.Kind.EMAIL, value=address
        )
        people.append((customer.pk, address))
    return Desk(token, people)


def child_env(db_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("CAREDESK_TESTING", "PYTEST_VERSION")}
    env.update(
        DATABASE_URL=db_url,
        CAREDESK_TESTING="false",
        DEBUG="false",
        LOG_LEVEL="INFO",
        CAREDESK_INBOUND_SECRET=SECRET,
        RATELIMIT_ENABLE="false",
        CAREDESK_API_RATE="100000/m",
        EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend",
        PYTHONUNBUFFERED="1",
    )
    return env


def _request(url: str, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
    req = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310
    try:
        with urllib.request.urlopen(req, timeout=60) as response:  # noqa: S310
            return int(response.status), response.read()
    except urllib.error.HTTPError as exc:
        return int(exc.code), exc.read()


def _mail(sender: str, subject: str, body: str) -> bytes:
    msg = email.message.EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = sender, "support@caredesk.localhost", subject
    msg["Message-ID"] = f"<soak-{random.getrandbits(64):x}@soak.test>"
    msg.set_content(body)
    return msg.as_bytes()


def _operation(kind: str, n: int, base: str, desk: Desk, load: Load, rng: random.Random) -> None:
    from caredesk.channels.email.inbound import sign

    api = {"Authorization": f"Bearer {desk.staff_token}", "Content-Type": "application/json"}
    with load.lock:
        known = rng.choice(load.cases) if load.cases else None
    if kind in ("email_reply", "api_reply") and known is None:
        kind = "api_case"
    body_text = f"Operation {n} ({rng.getrandbits(32):x}): where is my parcel?"
    if kind == "api_case":
        customer_id, address = rng.choice(desk.customers)
        data = {"subject": f"Soak case {n}", "body": body_text, "customer_id": customer_id}
        status, payload = _request(f"{base}/api/v1/cases", json.dumps(data).encode(), api)
        if status == 201:
            case = json.loads(payload)
            with load.lock:
                load.cases.append((case["id"], case["reference"], address))
    elif kind == "api_reply":
        assert known is not None
        # Canned text names no question: sent past the coverage check (docs/replies.md).
        data = {"body": f"Reply {n}: it is on its way.", "kind": "reply", "send_anyway": True}
        url = f"{base}/api/v1/cases/{known[0]}/messages"
        status, _ = _request(url, json.dumps(data).encode(), api)
    else:
        if kind == "email_case":
            sender = rng.choice(desk.customers)[1] if rng.random() < 0.8 else f"new{n}@soak.test"
            raw = _mail(sender, f"Soak mail {n}", body_text)
        else:
            assert known is not None
            raw = _mail(known[2], f"Re: [{known[1]}] Soak case", body_text)
        stamp = str(int(time.time()))
        headers = {
            "Content-Type": "message/rfc822",
            "X-Caredesk-Timestamp": stamp,
            "X-Caredesk-Signature": sign(SECRET, stamp, raw),
        }
        status, _ = _request(f"{base}/mail/inbound/", raw, headers)
    with load.lock:
        (load.ok if 200 <= status < 300 else load.failed)[f"{kind} {status}"] += 1


def _wait_http(port: int, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/login/", timeout=2):
                return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"the web server on port {port} did not start")


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def pending() -> dict[str, int]:
    from django_tasks_db.models import DBTaskResult

    from caredesk.channels.email.models import RawMessage, RawState

    return {
        "ready": DBTaskResult.objects.ready().count(),
        "running": DBTaskResult.objects.running().count(),
        "stored mail": RawMessage.objects.filter(state=RawState.STORED).count(),
    }


def run_soak(
    desk: Desk,
    *,
    db_url: str,
    ops: int,
    kills_per_worker: int,
    kill_every: float,
    workdir: Path,
    threads: int = 6,
    web_processes: int = 2,
    workers: int = 2,
    drain_timeout: float = 300,
    seed: int = 7,
) -> dict[str, Any]:
    """Run the load with kills, wait for the queue to drain, count. Returns the report."""
    from caredesk.core.supervise import Child, Supervisor

    env = child_env(db_url)
    ports = [_free_port() for _ in range(web_processes)]
    webs = []
    for i, port in enumerate(ports):
        with open(workdir / f"web{i}.log", "ab") as out:
            webs.append(
                subprocess.Popen(  # noqa: S603
                    [*CLI, "serve", "--no-worker", "--port", str(port), "--workers", "2"],
                    env=env,
                    cwd=ROOT,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                )
            )
    said: list[str] = []
    pool = [
        Child(
            f"worker {i}",
            [*CLI, "worker", "--interval", "0.2", "--verbosity", "0"],
            restart=True,
            log_path=str(workdir / f"worker{i}.log"),
        )
        for i in range(workers)
    ]
    supervisor = Supervisor(pool, env=env, say=said.append, restart_start=0.5, grace=20)
    sup_thread = threading.Thread(target=supervisor.run, daemon=True)
    sup_thread.start()
    load, kills = Load(), Counter[str]()
    try:
        for port in ports:
            _wait_http(port)
        started, load_1 = time.monotonic(), os.getloadavg()[0]

        def killer() -> None:
            for k in range(kills_per_worker * workers):
                time.sleep(kill_every)
                child = pool[k % workers]
                while child.proc is None or child.proc.poll() is not None:
                    time.sleep(0.1)
                time.sleep(random.random())  # land anywhere in its work
                if child.proc is not None and child.proc.poll() is None:
                    os.kill(child.proc.pid, signal.SIGKILL)
                    kills[child.name] += 1

        kill_thread = threading.Thread(target=killer, daemon=True)
        kill_thread.start()
        counter = iter(range(ops))
        counter_lock = threading.Lock()

        def client(t: int) -> None:
            rng = random.Random(seed * 1000 + t)
            while True:
                with counter_lock:
                    n = next(counter, None)
                if n is None:
                    return
                kind = rng.choices(list(WEIGHTS), weights=list(WEIGHTS.values()))[0]
                base = f"http://127.0.0.1:{ports[n % len(ports)]}"
                try:
                    _operation(kind, n, base, desk, load, rng)
                except OSError as exc:
                    with load.lock:
                        load.failed[f"{kind} {type(exc).__name__}"] += 1

        clients = [threading.Thread(target=client, args=(t,)) for t in range(threads)]
        for thread in clients:
            thread.start()
        for thread in clients:
            thread.join()
        load_seconds = time.monotonic() - started
        kill_thread.join()
        drain_started = time.monotonic()
        quiet, trace = 0, []
        while quiet < 3:
            if time.monotonic() - drain_started > drain_timeout:
                break
            left = pending()
            trace.append(sum(left.values()))
            quiet = quiet + 1 if not any(left.values()) else 0
            time.sleep(1)
        drain_seconds = time.monotonic() - drain_started
        load_2 = os.getloadavg()[0]
    finally:
        supervisor.stop()
        sup_thread.join(timeout=60)
        for web in webs:
            web.terminate()
        for web in webs:
            try:
                web.wait(timeout=20)
            except subprocess.TimeoutExpired:
                web.kill()
    report = count()
    report.update(
        operations=ops,
        operations_ok=sum(load.ok.values()),
        operations_failed=dict(load.failed),
        load_seconds=round(load_seconds, 1),
        ops_per_second=round(ops / load_seconds, 1),
        drain_seconds=round(drain_seconds, 1),
        drained=quiet >= 3,
        pending_each_second_of_drain=trace,
        left_pending=pending(),
        kills=dict(kills),
        restarts={c.name: c.restarts for c in pool},
        recovered_logged=sum(
            (workdir / f"worker{i}.log").read_text(errors="replace").count("back in the queue")
            for i in range(workers)
        ),
        load_average=[round(load_1, 2), round(load_2, 2)],
        web_processes=web_processes,
        workers=workers,
    )
    return report


def count() -> dict[str, Any]:
    """Every effect, counted from the database."""
    from django.db.models import Count
    from django_tasks import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    from caredesk.channels.email.models import RawMessage
    from caredesk.core.models import OutboundEmail
    from caredesk.tickets.models import Message, MessageKind, Ticket

    def per(kind: str, column: str) -> dict[int, int]:
        rows = OutboundEmail.objects.filter(kind=kind).values(column).annotate(n=Count("id"))
        return {row[column]: row["n"] for row in rows}

    cases = list(Ticket.objects.values_list("pk", flat=True))
    acks = per("ack", "ticket_id")
    replies = list(Message.objects.filter(kind=MessageKind.REPLY).values_list("pk", flat=True))
    reply_mails = per("reply", "message_id")
    customer_messages = Message.objects.filter(kind=MessageKind.CUSTOMER)
    worker_ids = DBTaskResult.objects.values_list("worker_ids", flat=True)
    failed = DBTaskResult.objects.filter(status=TaskResultStatus.FAILED)
    return {
        "cases": len(cases),
        "cases_not_acknowledged": sum(1 for pk in cases if pk not in acks),
        "cases_acknowledged_twice": sum(1 for pk in cases if acks.get(pk, 0) > 1),
        "acknowledgements_sent_or_suppressed": dict(
            Counter(OutboundEmail.objects.filter(kind="ack").values_list("state", flat=True))
        ),
        "customer_messages": customer_messages.count(),
        "customer_messages_not_scored": customer_messages.filter(abuse__isnull=True).count(),
        # MessageAbuse's key is the message: a second score cannot even be stored.
        "customer_messages_scored_twice": 0,
        "replies": len(replies),
        "replies_not_mailed": sum(1 for pk in replies if pk not in reply_mails),
        "replies_mailed_twice": sum(1 for pk in replies if reply_mails.get(pk, 0) > 1),
        "mail_received": RawMessage.objects.count(),
        "mail_by_state": dict(Counter(RawMessage.objects.values_list("state", flat=True))),
        "outbox_by_state": dict(Counter(OutboundEmail.objects.values_list("state", flat=True))),
        "tasks": DBTaskResult.objects.count(),
        "tasks_left_running": DBTaskResult.objects.running().count(),
        "tasks_failed": dict(Counter(failed.values_list("task_path", flat=True))),
        "tasks_run_more_than_once": sum(1 for ids in worker_ids if len(ids or []) > 1),
    }


def _fresh_database(url: str) -> None:
    from urllib.parse import urlparse

    import psycopg

    parts = urlparse(url)
    name = parts.path.lstrip("/")
    with psycopg.connect(
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 5432,
        user=parts.username or "postgres",
        password=parts.password or None,
        dbname="postgres",
        autocommit=True,
    ) as db:
        db.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        db.execute(f'CREATE DATABASE "{name}"')


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ops", type=int, default=3000)
    parser.add_argument("--kills", type=int, default=4, help="kill -9 per worker")
    parser.add_argument("--kill-every", type=float, default=8.0, help="seconds between kills")
    parser.add_argument("--threads", type=int, default=6)
    parser.add_argument("--drain-timeout", type=float, default=600, help="seconds")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    url = os.environ.get("PG_URL", "postgres://postgres@127.0.0.1:5432/caredesk_soak")
    if "caredesk_soak" not in url and not url.rstrip("/").endswith("_soak"):
        url = url.rsplit("/", 1)[0] + "/caredesk_soak"  # never drop someone's real database
    try:
        _fresh_database(url)
    except Exception as exc:  # psycopg's errors: no server, no rights
        print(f"SKIPPED: the soak needs PostgreSQL ({type(exc).__name__}: {exc})".strip())
        return 0
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    call_command("createcachetable", verbosity=0)
    desk = prepare_desk()
    with tempfile.TemporaryDirectory(prefix="caredesk-soak-") as tmp:
        report = run_soak(
            desk,
            db_url=url,
            ops=args.ops,
            kills_per_worker=args.kills,
            kill_every=args.kill_every,
            workdir=Path(tmp),
            threads=args.threads,
            drain_timeout=args.drain_timeout,
        )
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        for key, value in report.items():
            print(f"{key:38} {value}")
    bad = (
        report["cases_not_acknowledged"]
        + report["cases_acknowledged_twice"]
        + report["customer_messages_not_scored"]
        + report["replies_not_mailed"]
        + report["replies_mailed_twice"]
        + report["tasks_left_running"]
    )
    return 1 if bad or not report["drained"] else 0


if __name__ == "__main__":
    sys.exit(main())
