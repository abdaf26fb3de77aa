"""The ``caredesk mail …`` commands (their parser is in :mod:`caredesk.channels.email.cli`;
this module loads once Django is set up)."""

from __future__ import annotations

import argparse
import sys
import time
from typing import BinaryIO

from caredesk.accounts.models import Role, User
from caredesk.channels.email.actions import do_replay, do_store_raw
from caredesk.channels.email.imap import poll_all
from caredesk.channels.email.intake import from_stream
from caredesk.channels.email.jobs import process_stored
from caredesk.channels.email.models import Mailbox, RawMessage
from caredesk.core import deadlines
from caredesk.core.clock import now
from caredesk.core.errors import DomainError

EX_TEMPFAIL = 75  # sysexits.h: the MTA keeps the message and retries


def _store_stream(stream: BinaryIO, label: str) -> tuple[int, str]:
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
    return process_stored(limit=limit)


def cmd_poll(args: argparse.Namespace) -> int:
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
    while True:
        # The same pass as the worker's minute sweep of the ``outbox.retry`` deadline.
        attempted = deadlines.sweep_kind("outbox.retry", now())
        print(
            f"caredesk: outbox: {attempted} due mail(s) attempted"
            if attempted
            else "caredesk: outbox: nothing due"
        )
        if not args.every:
            return 0
        time.sleep(args.every)


COMMANDS = {"ingest": cmd_ingest, "poll": cmd_poll, "replay": cmd_replay, "outbox": cmd_outbox}
