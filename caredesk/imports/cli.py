"""``caredesk import zendesk|zammad|django-helpdesk|csv``: bring over the desk a team
leaves (docs/import.md).

The parser is built before Django is set up; the command loads the importer when it runs.
Exit codes: 0 done (problems, if any, are listed), 1 the source could not be read,
2 wrong arguments."""

from __future__ import annotations

import argparse
from collections.abc import Callable


def add_parser(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], *, setup: Callable[[], None]
) -> None:
    def command(args: argparse.Namespace) -> int:
        setup()
        from caredesk.imports import commands

        return commands.run(args)

    imp = sub.add_parser(
        "import", help="import cases from Zendesk, Zammad, django-helpdesk or a CSV file"
    )
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
    p = isub.add_parser(
        "django-helpdesk", parents=[common], help="django-helpdesk, read from its database"
    )
    p.add_argument(
        "--database",
        help="sqlite:////path/db.sqlite3, postgres://… or mysql://… "
        "(or CAREDESK_IMPORT_DATABASE, which keeps a password out of the process list)",
    )
    p.add_argument("--media", metavar="DIR", help="django-helpdesk's MEDIA_ROOT (attachments)")
    p.add_argument(
        "--users-table", default="auth_user", help="the user table (a custom user model's)"
    )
    p = isub.add_parser("csv", parents=[common], help="a CSV file, one row per message")
    p.add_argument("file", metavar="FILE")
