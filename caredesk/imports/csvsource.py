"""A CSV export, one row per message (docs/import.md has the columns):

``case_id, created_at, subject, status, priority, customer_email, customer_name,
organization, team, assignee_email, tags, author_email, visibility, body``

Rows of one case share ``case_id``; the first row (by ``created_at``) is the customer's
request. ``author_email`` empty means the customer; ``visibility`` is ``public`` or
``internal``; ``tags`` are separated by ``;``. A column ``field:<key>`` sets the custom
case field ``<key>`` from the case's first row (a multi select's options separated by
``;``). Staff named as assignee or author who are not in caredesk are created as agents
(without a password)."""

from __future__ import annotations

import csv
from collections import OrderedDict
from collections.abc import Iterator
from pathlib import Path

from caredesk.imports.source import (
    Problem,
    SourceCase,
    SourceComment,
    SourceOrganization,
    SourcePerson,
    SourceTeam,
)
from caredesk.imports.zendesk import parse_time

COLUMNS = (
    "case_id",
    "created_at",
    "subject",
    "status",
    "priority",
    "customer_email",
    "customer_name",
    "organization",
    "team",
    "assignee_email",
    "tags",
    "author_email",
    "visibility",
    "body",
)
REQUIRED = ("case_id", "created_at", "customer_email", "body")
FIELD_COLUMN = "field:"
STATUSES = {"new", "open", "waiting_customer", "waiting_us", "resolved", "closed"}
PRIORITIES = {"low", "normal", "high", "urgent"}
MAX_FIELD = 1_000_000
MAX_ROWS = 5_000_000


class CsvError(Exception):
    """The file as a whole cannot be read (missing columns, not CSV)."""


class CsvReader:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.name = f"csv:{path.name}"
        self.rows: list[tuple[int, dict[str, str]]] = []
        self.row_problems: list[Problem] = []
        self._load()

    def _load(self) -> None:
        csv.field_size_limit(MAX_FIELD)
        try:
            with self.path.open(newline="", encoding="utf-8-sig") as handle:
                reader = csv.DictReader(handle)
                header = [h.strip() for h in reader.fieldnames or []]
                missing = [c for c in REQUIRED if c not in header]
                if missing:
                    raise CsvError(f"{self.path.name}: missing columns {', '.join(missing)}")
                for number, row in enumerate(reader, start=2):
                    if number > MAX_ROWS:
                        raise CsvError(f"{self.path.name}: more than {MAX_ROWS:,} rows")
                    if None in row:
                        self.row_problems.append(
                            Problem(f"row {number}", "has more cells than columns")
                        )
                        continue
                    self.rows.append(
                        (number, {k.strip(): (v or "").strip() for k, v in row.items() if k})
                    )
        except (UnicodeDecodeError, csv.Error) as error:
            raise CsvError(f"{self.path.name}: not a UTF-8 CSV file ({error})") from None
        except OSError as error:
            raise CsvError(f"{self.path.name}: {error.strerror or error}") from None

    def case_count(self) -> int | None:
        return len({row["case_id"] for _, row in self.rows if row.get("case_id")})

    def teams(self) -> Iterator[SourceTeam | Problem]:
        for name in sorted({r.get("team", "") for _, r in self.rows} - {""}):
            yield SourceTeam(id=name.lower(), name=name)

    def organizations(self) -> Iterator[SourceOrganization | Problem]:
        for name in sorted({r.get("organization", "") for _, r in self.rows} - {""}):
            yield SourceOrganization(id=name.lower(), name=name)

    def people(self) -> Iterator[SourcePerson | Problem]:
        customers: dict[str, SourcePerson] = {}
        staff: set[str] = set()
        for _, row in self.rows:
            email = row.get("customer_email", "").lower()
            if email and email not in customers:
                org = row.get("organization", "").lower() or None
                customers[email] = SourcePerson(
                    email, row.get("customer_name") or email, email, "customer", org
                )
            for key in ("assignee_email", "author_email"):
                if row.get(key):
                    staff.add(row[key].lower())
        yield from customers.values()
        for email in sorted(staff - set(customers)):
            yield SourcePerson(email, email.split("@")[0].title(), email, "agent")

    def cases(self) -> Iterator[SourceCase | Problem]:
        yield from self.row_problems
        grouped: OrderedDict[str, list[tuple[int, dict[str, str]]]] = OrderedDict()
        for number, row in self.rows:
            grouped.setdefault(row.get("case_id", ""), []).append((number, row))
        for case_id, rows in grouped.items():
            yield self._case(case_id, rows)

    def _case(self, case_id: str, rows: list[tuple[int, dict[str, str]]]) -> SourceCase | Problem:
        lines = f"row {rows[0][0]}" if len(rows) == 1 else f"rows {rows[0][0]}-{rows[-1][0]}"
        what = f"case {case_id or '?'} ({lines})"
        if not case_id:
            return Problem(what, "has no case_id")
        comments: list[SourceComment] = []
        for number, row in rows:
            missing = [c for c in REQUIRED if not row.get(c)]
            if missing:
                return Problem(what, f"row {number} has no {', '.join(missing)}")
            try:
                at = parse_time(row["created_at"])
            except ValueError as error:
                return Problem(what, f"row {number}: {error}")
            visibility = row.get("visibility") or "public"
            if visibility not in ("public", "internal"):
                return Problem(what, f"row {number}: visibility must be public or internal")
            author = (row.get("author_email") or row["customer_email"]).lower()
            comments.append(
                SourceComment(str(number), author, row["body"], visibility == "public", at)
            )
        comments.sort(key=lambda c: c.created_at)
        head = rows[0][1]
        status = head.get("status") or "open"
        priority = head.get("priority") or "normal"
        if status not in STATUSES:
            return Problem(what, f"unknown status {status!r}")
        if priority not in PRIORITIES:
            return Problem(what, f"unknown priority {priority!r}")
        team = head.get("team", "").lower() or None
        return SourceCase(
            id=case_id,
            subject=head.get("subject") or "(no subject)",
            status=status,
            priority=priority,
            requester_id=head["customer_email"].lower(),
            created_at=comments[0].created_at,
            assignee_id=head.get("assignee_email", "").lower() or None,
            team_id=team,
            tags=tuple(t.strip() for t in head.get("tags", "").split(";") if t.strip()),
            comments=tuple(comments),
            fields=tuple(
                (name.removeprefix(FIELD_COLUMN), value)
                for name, value in head.items()
                if name.startswith(FIELD_COLUMN) and value
            ),
        )
