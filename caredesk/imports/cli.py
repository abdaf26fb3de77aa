"""``caredesk import zendesk|zammad|csv``: bring over the desk a team leaves (docs/import.md).

The parser is built before Django is set up; the command loads the importer when it runs.
Exit codes: 0 done (problems, if any, are listed), 1 the source could not be read,
2 wrong arguments."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from typing import Any, TextIO


def _progress(out: TextIO) -> Callable[[Any], None]:
    def show(p: Any) -> None:
        total = f"/{p.total:,}" if p.total else ""
        eta = ""
        if p.eta_seconds is not None:
            minutes, seconds = divmod(int(p.eta_seconds), 60)
            eta = f", about {minutes}:{seconds:02d} left"
        end = "\n" if p.total and p.done >= p.total else ""
        out.write(f"\r  {p.done:,}{total} cases, {p.per_second:,.1f}/s{eta}   {end}")
        out.flush()

    return show


def run(args: argparse.Namespace) -> int:
    from caredesk.accounts.models import Role, User
    from caredesk.core import clock
    from caredesk.imports.csvsource import CsvError, CsvReader
    from caredesk.imports.http import SourceError
    from caredesk.imports.importer import Importer
    from caredesk.imports.source import Reader
    from caredesk.imports.zammad import ZammadReader
    from caredesk.imports.zendesk import ZendeskReader

    actor = User.objects.filter(
        email__iexact=args.as_admin, role=Role.ADMIN, is_active=True
    ).first()
    if actor is None:
        print(f"caredesk: {args.as_admin!r} is not an active admin (--as).", file=sys.stderr)
        return 2
    reader: Reader
    try:
        if args.source == "csv":
            from pathlib import Path

            reader = CsvReader(Path(args.file))
        else:
            token = args.token or os.environ.get("CAREDESK_IMPORT_TOKEN", "")
            if not token:
                print("caredesk: give --token or set CAREDESK_IMPORT_TOKEN.", file=sys.stderr)
                return 2
            if args.source == "zammad":
                reader = ZammadReader.connect(args.url, token=token)
            else:
                reader = ZendeskReader.connect(args.url, email=args.email, token=token)
        importer = Importer(
            reader,
            actor=actor,
            now=clock.now(),
            dry_run=args.dry_run,
            progress=None if args.quiet else _progress(sys.stderr),
        )
        summary = importer.run()
    except (CsvError, SourceError) as error:
        print(f"\ncaredesk: {error}", file=sys.stderr)
        print(
            "caredesk: run the same command again to continue; nothing is doubled.", file=sys.stderr
        )
        return 1
    print()
    for line in summary.lines():
        print(line)
    print(
        f"in {summary.seconds:,.1f} s" + (" (dry run: nothing was written)" if args.dry_run else "")
    )
    return 0


def add_parser(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], *, setup: Callable[[], None]
) -> None:
    def command(args: argparse.Namespace) -> int:
        setup()
        return run(args)

    imp = sub.add_parser("import", help="import cases from Zendesk, Zammad or a CSV file")
    imp.set_defaults(func=command)
    isub = imp.add_subparsers(dest="source", required=True)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--as",
        dest="as_admin",
        required=True,
        metavar="ADMIN_EMAIL",
        help="the admin the import is recorded under",
    )
    common.add_argument("--dry-run", action="store_true", help="report what would be created")
    common.add_argument("--quiet", action="store_true", help="no progress line")
    p = isub.add_parser("zendesk", parents=[common], help="Zendesk Support, through its REST API")
    p.add_argument("--url", required=True, help="https://YOUR.zendesk.com")
    p.add_argument("--email", required=True, help="the Zendesk agent the API token belongs to")
    p.add_argument("--token", help="API token (or CAREDESK_IMPORT_TOKEN)")
    p = isub.add_parser("zammad", parents=[common], help="Zammad, through its REST API")
    p.add_argument("--url", required=True, help="https://help.example.com")
    p.add_argument("--token", help="access token with admin rights (or CAREDESK_IMPORT_TOKEN)")
    p = isub.add_parser("csv", parents=[common], help="a CSV file, one row per message")
    p.add_argument("file", metavar="FILE")
