"""``caredesk mail …``: ingest from an MTA pipe, poll IMAP, replay, run the outbox."""

from __future__ import annotations

import argparse
import sys
import time
from typing import BinaryIO

EX_TEMPFAIL = 75  # sysexits.h: the MTA keeps the message and retries


def _store_stream(stream: BinaryIO, label: str) -> tuple[int, str]:
    from caredesk.channels.email.actions import do_store_raw
    from caredesk.channels.email.intake import from_stream
    from caredesk.core.clock import now

    raw = from_stream(stream)
    if raw.size == 0:
        return 1, f"{label}: empty input, nothing stored"
    row, created = do_store_raw(raw, channel="pipe", now=now())
    note = "stored" if created else "already stored"
    return 0, f"{label}: {note} as message {row.pk} ({row.get_state_display().lower()})"


def cmd_ingest(args: argparse.Namespace) -> int:
    """Store each message; exit 75 if any could not be stored, so the MTA retries."""
    sources = args.files or ["-"]
    worst = 0
    for source in sources:
        try:
            if source == "-":
                code, text = _store_stream(sys.stdin.buffer, "stdin")
            else:
                with open(source, "rb") as handle:
                    code, text = _store_stream(handle, source)
        except OSError as exc:
            print(f"caredesk: cannot read {source}: {exc.strerror or exc}", file=sys.stderr)
            worst = max(worst, 66 if source != "-" else EX_TEMPFAIL)  # EX_NOINPUT
            continue
        except Exception as exc:  # database down, disk full…: temporary for the MTA
            print(
                f"caredesk: could not store {source}: {type(exc).__name__}: {exc}", file=sys.stderr
            )
            worst = EX_TEMPFAIL
            continue
        print(f"caredesk: {text}", file=sys.stderr if code else sys.stdout)
        worst = max(worst, code) if worst != EX_TEMPFAIL else worst
    if args.process:
        _process_pending()
    return worst


def _process_pending(limit: int = 1000) -> int:
    from caredesk.channels.email.jobs import process_stored

    return process_stored(limit=limit)


def cmd_poll(args: argparse.Namespace) -> int:
    from caredesk.channels.email.imap import poll_all
    from caredesk.channels.email.models import Mailbox
    from caredesk.core.clock import now

    while True:
        if not Mailbox.objects.filter(enabled=True).exists():
            print(
                "caredesk: no enabled mailbox; add one in the admin (Email channel → Mailboxes).",
                file=sys.stderr,
            )
            return 1 if not args.every else 0
        failed = False
        for result in poll_all(now=now()):
            line = f"{result.mailbox}: {result.stored} new, {result.already} already stored"
            if result.errors:
                failed = True
                line += f"; errors: {'; '.join(result.errors)}"
            print(f"caredesk: {line}", file=sys.stderr if result.errors else sys.stdout)
        pending = _process_pending()
        if pending:
            print(f"caredesk: processed {pending} stored message(s)")
        if not args.every:
            return 1 if failed else 0
        time.sleep(args.every)


def cmd_replay(args: argparse.Namespace) -> int:
    from caredesk.accounts.models import Role, User
    from caredesk.channels.email.actions import do_replay
    from caredesk.channels.email.models import RawMessage
    from caredesk.core.clock import now
    from caredesk.core.errors import DomainError

    actor = User.objects.filter(role=Role.ADMIN, is_active=True)
    admin = actor.filter(email=args.admin.lower()).first() if args.admin else actor.first()
    if admin is None:
        print("caredesk: replaying needs an active admin account (--admin EMAIL).", file=sys.stderr)
        return 2
    try:
        state = do_replay(args.id, actor=admin, now=now())
    except DomainError as exc:
        print(f"caredesk: {exc.message}", file=sys.stderr)
        return 1
    raw = RawMessage.objects.get(pk=args.id)
    print(f"caredesk: message {raw.pk} is now {state}" + (f": {raw.error}" if raw.error else ""))
    return 0 if state != "quarantined" else 1


def cmd_outbox(args: argparse.Namespace) -> int:
    from caredesk.core.clock import now
    from caredesk.core.outbox import process_due

    while True:
        counts = process_due(now())
        summary = ", ".join(f"{n} {state}" for state, n in sorted(counts.items())) or "nothing due"
        print(f"caredesk: outbox: {summary}")
        if not args.every:
            return 0
        time.sleep(args.every)


def run(args: argparse.Namespace) -> int:
    from caredesk.cli import _setup

    _setup()
    return int(args.mail_func(args))


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    mail = sub.add_parser("mail", help="email channel: ingest, poll, replay, outbox")
    mail.set_defaults(func=run)
    msub = mail.add_subparsers(dest="mail_command", required=True)

    p = msub.add_parser("ingest", help="store raw messages from files or stdin (MTA pipe)")
    p.add_argument("files", nargs="*", metavar="FILE", help="message files; '-' or none: stdin")
    p.add_argument(
        "--process",
        action="store_true",
        help="also process stored messages now instead of leaving it to the worker",
    )
    p.set_defaults(mail_func=cmd_ingest)

    p = msub.add_parser("poll", help="poll every enabled IMAP mailbox once")
    p.add_argument("--every", type=float, default=0, help="keep polling, every N seconds")
    p.set_defaults(mail_func=cmd_poll)

    p = msub.add_parser("replay", help="send a quarantined message through intake again")
    p.add_argument("id", type=int)
    p.add_argument("--admin", help="the admin recorded as doing it (default: the first admin)")
    p.set_defaults(mail_func=cmd_replay)

    p = msub.add_parser("outbox", help="deliver the mail that is due, once")
    p.add_argument("--every", type=float, default=0, help="keep going, every N seconds")
    p.set_defaults(mail_func=cmd_outbox)
