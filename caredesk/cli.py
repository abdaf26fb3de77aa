"""The ``caredesk`` command: serve, worker, migrate, createadmin, demo, check, mail…

Every subcommand reads the same environment variables as the web server (see
docs/configuration.md). ``caredesk manage ARGS`` runs any Django management command.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from collections.abc import Sequence


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


def cmd_migrate(args: argparse.Namespace) -> int:
    _setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=1 if args.verbose else 0)
    call_command("createcachetable", verbosity=0)
    print("caredesk: database is up to date.")
    return 0


def cmd_createadmin(args: argparse.Namespace) -> int:
    _setup()
    from django.core.exceptions import ValidationError
    from django.core.validators import validate_email

    from caredesk.accounts.models import Role, User

    email = (args.email or input("Email: ")).strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        print(f"caredesk: {email!r} is not a valid email address.", file=sys.stderr)
        return 2
    if User.objects.filter(email=email).exists():
        print(f"caredesk: a user with {email} already exists.", file=sys.stderr)
        return 2
    password = args.password or os.environ.get("CAREDESK_ADMIN_PASSWORD", "")
    if not password:
        password = getpass.getpass("Password: ")
        if password != getpass.getpass("Password (again): "):
            print("caredesk: the passwords differ.", file=sys.stderr)
            return 2
    from django.contrib.auth.password_validation import validate_password

    try:
        validate_password(password)
    except ValidationError as exc:
        print("caredesk: " + " ".join(exc.messages), file=sys.stderr)
        return 2
    User.objects.create_superuser(email, password, name=args.name or email, role=Role.ADMIN)
    print(f"caredesk: admin {email} created.")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    _setup()
    from caredesk.demo.loader import load_demo

    return load_demo(cases=args.cases, if_empty=args.if_empty, seed=args.seed)


def cmd_check(args: argparse.Namespace) -> int:
    _setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    print(f"environment: {settings.ENVIRONMENT}")
    print(f"database:    {connection.vendor} ({settings.DATABASES['default']['NAME']})")
    print(f"email:       {settings.EMAIL_BACKEND}")
    print(f"tasks:       {settings.TASKS['default']['BACKEND']}")
    try:
        connection.ensure_connection()
    except Exception as exc:
        print(f"caredesk: cannot reach the database: {exc}", file=sys.stderr)
        return 1
    call_command("check", deploy=settings.PRODUCTION, fail_level="ERROR")
    from caredesk.core import clock
    from caredesk.ops.readiness import production_warnings

    warnings = production_warnings(clock.now())
    for warning in warnings:
        print(f"warning: {warning}")
    if not warnings:
        print("production: nothing to warn about")
    return 1 if warnings and args.strict else 0


def cmd_worker(args: argparse.Namespace) -> int:
    """The task worker: django-tasks-db's db_worker with a lease, recovery of tasks dead
    workers left running, and a database it may lose (see caredesk/core/worker.py)."""
    _setup()
    from caredesk.core.worker import Worker

    return Worker(interval=args.interval, verbosity=args.verbosity).run()


def cmd_sla(args: argparse.Namespace) -> int:
    """``caredesk sla sweep``: fire due SLA warnings/breaches now (idempotent; cron-safe).
    ``caredesk sla backfill-report --days N``: rebuild the waiting-time report rows."""
    _setup()
    from caredesk.core import clock

    now = clock.now()
    if args.sla_command == "sweep":
        from caredesk.core import deadlines

        cases = deadlines.sweep_kind("sla.alarm", now)
        print(f"caredesk: SLA sweep fired warnings or breaches on {cases} cases.")
        return 0
    from caredesk.reports.aggregates import backfill

    days = backfill(args.days, now)
    print(f"caredesk: waiting-time report rebuilt for {days} days.")
    return 0


def cmd_reports(args: argparse.Namespace) -> int:
    """``caredesk reports backfill --days N``: rebuild every report table (waiting times
    and the care figures) for today and the N days before, oldest first, with progress."""
    _setup()
    from datetime import date

    from caredesk.core import clock
    from caredesk.reports.aggregates import backfill

    tty = sys.stdout.isatty()

    def progress(day: date, done: int, total: int) -> None:
        line = f"caredesk: reports rebuilt for {day:%Y-%m-%d} ({done}/{total} days)"
        if tty:
            print("\r" + line, end="\n" if done == total else "", flush=True)
        elif done == total or done % 10 == 0 or done == 1:
            print(line, flush=True)

    days = backfill(args.days, clock.now(), progress)
    print(f"caredesk: every report table rebuilt for {days} days.")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    """Web server and background worker in one command (the embedded default). A worker
    that dies is started again (caredesk/core/supervise.py); Ctrl-C or SIGTERM stop both."""
    _setup()
    from django.conf import settings

    from caredesk.core.supervise import Child, Supervisor

    bind = f"{args.host}:{args.port}"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings"}
    exe = sys.executable
    children: list[Child] = []
    if not args.no_worker:
        children.append(Child("task worker", [exe, "-m", "caredesk.cli", "worker"], restart=True))
    gunicorn = [
        exe,
        "-m",
        "gunicorn",
        "config.wsgi:application",
        "--bind",
        bind,
        "--workers",
        str(args.workers),
        "--threads",
        "4",
        "--access-logfile",
        "-" if args.access_log else "/dev/null",
        "--graceful-timeout",
        "5",
    ]
    children.append(Child("web server", gunicorn, restart=False))
    print(
        f"caredesk: serving http://{bind} ({settings.ENVIRONMENT}, "
        f"{settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]}); Ctrl-C stops.",
        flush=True,
    )
    return Supervisor(children, env=env).run()


def cmd_tick(args: argparse.Namespace) -> int:
    """Run every periodic job once (for cron, when the worker's heartbeat is not used)."""
    _setup()
    from caredesk.core import clock
    from caredesk.core.periodic import run_jobs

    failed = False
    for job, outcome in run_jobs(clock.now()).items():
        failed = failed or outcome.startswith("failed")
        print(f"{job}: {outcome}", file=sys.stderr if outcome.startswith("failed") else sys.stdout)
    return 1 if failed else 0


def cmd_portal_link(args: argparse.Namespace) -> int:
    """Print a one-time portal sign-in link for a customer (for support and local use)."""
    _setup()
    from caredesk.channels.portal.actions import do_issue_magic_link_for_cli

    link = do_issue_magic_link_for_cli(args.email)
    if link is None:
        print(f"caredesk: no customer with the address {args.email}.", file=sys.stderr)
        return 2
    print(link)
    return 0


def cmd_import_records(args: argparse.Namespace) -> int:
    _setup()
    from pathlib import Path

    from caredesk.core import clock
    from caredesk.records.csv_import import ImportFailed, import_file

    try:
        import_file(Path(args.file), now=clock.now())
    except ImportFailed as failed:
        for line in failed.errors:
            print(f"caredesk: {line}", file=sys.stderr)
        return 1
    return 0


def cmd_manage(args: argparse.Namespace) -> int:
    _setup()
    from django.core.management import execute_from_command_line

    execute_from_command_line(["caredesk manage", *args.rest])
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="caredesk", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("serve", help="web server and background worker")
    p.add_argument("--host", default=os.environ.get("CAREDESK_HOST", "127.0.0.1"))
    p.add_argument("--port", type=int, default=int(os.environ.get("CAREDESK_PORT", "8000")))
    p.add_argument("--workers", type=int, default=2, help="web worker processes")
    p.add_argument("--no-worker", action="store_true", help="do not start the task worker")
    p.add_argument("--access-log", action="store_true")
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("worker", help="run the background task worker")
    p.add_argument("--interval", type=float, default=1.0, help="seconds between polls")
    p.add_argument("--verbosity", type=int, default=1, choices=(0, 1, 2), help="task log")
    p.set_defaults(func=cmd_worker)

    p = sub.add_parser("migrate", help="create or upgrade the database")
    p.add_argument("-v", "--verbose", action="store_true")
    p.set_defaults(func=cmd_migrate)

    p = sub.add_parser("createadmin", help="create an admin account")
    p.add_argument("--email")
    p.add_argument("--name")
    p.add_argument("--password", help="or set CAREDESK_ADMIN_PASSWORD; asked for if absent")
    p.set_defaults(func=cmd_createadmin)

    p = sub.add_parser("demo", help="load the demo help desk")
    p.add_argument("--cases", type=int, default=300, help="generated cases besides the stories")
    p.add_argument("--if-empty", action="store_true", help="do nothing if data exists")
    p.add_argument("--seed", type=int, default=7)
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("sla", help="SLA maintenance: sweep due alarms, rebuild report rows")
    sla_sub = p.add_subparsers(dest="sla_command", required=True)
    sla_sub.add_parser("sweep", help="fire due SLA warnings and breaches now")
    q = sla_sub.add_parser("backfill-report", help="rebuild the waiting-time report")
    q.add_argument("--days", type=int, default=90, choices=range(0, 3661), metavar="0..3660")
    p.set_defaults(func=cmd_sla)

    p = sub.add_parser("reports", help="report tables: rebuild past days")
    reports_sub = p.add_subparsers(dest="reports_command", required=True)
    q = reports_sub.add_parser("backfill", help="rebuild every report table for past days")
    q.add_argument("--days", type=int, default=90, choices=range(0, 3661), metavar="0..3660")
    p.set_defaults(func=cmd_reports)

    p = sub.add_parser("check", help="check configuration and database")
    p.add_argument(
        "--strict", action="store_true", help="exit 1 when there is a production warning"
    )
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("tick", help="run every periodic job once (cron alternative)")
    p.set_defaults(func=cmd_tick)

    p = sub.add_parser("portal-link", help="print a one-time portal sign-in link")
    p.add_argument("email")
    p.set_defaults(func=cmd_portal_link)

    from caredesk.channels.email.cli import add_parser as add_mail_parser

    add_mail_parser(sub, setup=_setup)

    from caredesk.imports.cli import add_parser as add_import_parser

    add_import_parser(sub, setup=_setup)

    p = sub.add_parser("import-records", help="import customer records from a CSV file")
    p.add_argument("file", metavar="FILE", help="CSV with a header row (docs/policies.md)")
    p.set_defaults(func=cmd_import_records)

    p = sub.add_parser("manage", help="run a Django management command")
    p.add_argument("rest", nargs=argparse.REMAINDER)
    p.set_defaults(func=cmd_manage)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from django.core.exceptions import ImproperlyConfigured

    try:
        return int(args.func(args))
    except ImproperlyConfigured as exc:
        print(f"caredesk: configuration error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
