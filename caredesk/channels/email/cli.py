"""``caredesk mail …``: ingest from an MTA pipe, poll IMAP, replay, run the outbox.

The parser is built before Django is set up (``caredesk --help`` must work without a
database), so the commands, which use the models, live in
:mod:`caredesk.channels.email.commands` and load when one runs.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable


def runner(setup: Callable[[], None]) -> Callable[[argparse.Namespace], int]:
    """The ``mail`` command: ``setup`` (the caller's Django set-up), then the subcommand."""

    def run(args: argparse.Namespace) -> int:
        setup()
        from caredesk.channels.email import commands

        return int(commands.COMMANDS[args.mail_command](args))

    return run


def add_parser(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], *, setup: Callable[[], None]
) -> None:
    mail = sub.add_parser("mail", help="email channel: ingest, poll, replay, outbox")
    mail.set_defaults(func=runner(setup))
    msub = mail.add_subparsers(dest="mail_command", required=True)

    p = msub.add_parser("ingest", help="store raw messages from files or stdin (MTA pipe)")
    p.add_argument("files", nargs="*", metavar="FILE", help="message files; '-' or none: stdin")
    p.add_argument(
        "--process",
        action="store_true",
        help="also process stored messages now instead of leaving it to the worker",
    )

    p = msub.add_parser("poll", help="poll every enabled IMAP mailbox once")
    p.add_argument("--every", type=float, default=0, help="keep polling, every N seconds")

    p = msub.add_parser("replay", help="send a quarantined message through intake again")
    p.add_argument("id", type=int)
    p.add_argument("--admin", help="the admin recorded as doing it (default: the first admin)")

    p = msub.add_parser("outbox", help="deliver the mail that is due, once")
    p.add_argument("--every", type=float, default=0, help="keep going, every N seconds")
