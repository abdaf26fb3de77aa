"""The ``caredesk import`` command itself (the parser is in ``imports.cli``, built before
Django is set up; this module loads when the command runs)."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any, TextIO

from caredesk.accounts.models import Role, User
from caredesk.core import clock
from caredesk.imports import database
from caredesk.imports.csvsource import CsvError, CsvReader
from caredesk.imports.djangohelpdesk import DjangoHelpdeskReader
from caredesk.imports.http import SourceError
from caredesk.imports.importer import Importer, Progress
from caredesk.imports.source import Reader
from caredesk.imports.zammad import ZammadReader
from caredesk.imports.zendesk import ZendeskReader


def _progress(out: TextIO) -> Any:
    def show(p: Progress) -> None:
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
    actor = User.objects.filter(
        email__iexact=args.as_admin, role=Role.ADMIN, is_active=True
    ).first()
    if actor is None:
        print(f"caredesk: {args.as_admin!r} is not an active admin (--as).", file=sys.stderr)
        return 2
    reader: Reader
    try:
        if args.source == "csv":
            reader = CsvReader(Path(args.file))
        elif args.source == "django-helpdesk":
            url = args.database or os.environ.get("CAREDESK_IMPORT_DATABASE", "")
            if not url:
                print("caredesk: give --database or set CAREDESK_IMPORT_DATABASE.", file=sys.stderr)
                return 2
            media = Path(args.media) if args.media else None
            if media is not None and not media.is_dir():
                print(f"caredesk: --media {args.media} is not a folder.", file=sys.stderr)
                return 2
            reader = DjangoHelpdeskReader(
                database.connect(url), media=media, users_table=args.users_table
            )
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
        try:
            summary = importer.run()
        finally:
            if isinstance(reader, DjangoHelpdeskReader):
                reader.db.close()
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
