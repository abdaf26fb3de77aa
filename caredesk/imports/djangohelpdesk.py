"""django-helpdesk, read from its own database (it has no export API):

- ``auth_user`` (or the table of a custom user model): staff (``is_staff``; superusers
  become admins) and signed-in submitters;
- ``helpdesk_queue``: queues become teams;
- ``helpdesk_ticket``: a ticket's ``description`` is the customer's first message,
  ``submitter_email`` the customer, ``assigned_to_id``, ``queue_id``, ``status`` and
  ``priority`` as below; tickets merged into another are reported, not imported (their
  follow-ups were moved to the ticket they were merged into);
- ``helpdesk_followup``: public follow-ups are replies (staff) or customer messages
  (no user, or the submitter), private ones internal notes; follow-ups without text
  (a status change) are left out, and so is the copy of the description django-helpdesk
  writes as a ticket's first follow-up;
- ``helpdesk_followupattachment``: files read from the ``MEDIA_ROOT`` folder given with
  ``--media`` (never outside it).

Tickets are read in pages of :data:`PAGE` by id, so a desk of any size streams."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.conf import settings

from caredesk.imports.database import Source
from caredesk.imports.http import SourceError
from caredesk.imports.source import (
    Problem,
    SourceAttachment,
    SourceCase,
    SourceComment,
    SourceOrganization,
    SourcePerson,
    SourceTeam,
)

PAGE = 200
STATUS = {1: "open", 2: "open", 3: "resolved", 4: "closed", 5: "closed"}
DUPLICATE = 5
PRIORITY = {1: "urgent", 2: "high", 3: "normal", 4: "low", 5: "low"}
TABLE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")


class DjangoHelpdeskReader:
    def __init__(self, db: Source, *, media: Path | None, users_table: str = "auth_user") -> None:
        if not TABLE_NAME.match(users_table):
            raise SourceError(f"{users_table!r} is not a table name")
        self.db = db
        self.media = media.resolve() if media is not None else None
        self.users_table = users_table
        self.name = f"django-helpdesk:{db.label}"
        self._users: dict[int, dict[str, Any]] | None = None

    # -- people ------------------------------------------------------------------------

    def _all_users(self) -> dict[int, dict[str, Any]]:
        if self._users is None:
            columns = "id, username, email, first_name, last_name, is_staff, is_superuser"
            # The table name was checked against TABLE_NAME.
            sql = f"SELECT {columns} FROM {self.users_table} ORDER BY id"  # noqa: S608
            self._users = {int(r["id"]): r for r in self.db.rows(sql)}
        return self._users

    def _author(self, user_id: Any, requester: str) -> str:
        """The source id of a follow-up's author: staff by user id, anyone else by email."""
        if user_id is None:
            return requester
        user = self._all_users().get(int(user_id))
        if user is None:
            return f"user:{user_id}"  # not in the export: the importer reports it
        if user["is_staff"]:
            return f"user:{user_id}"
        return _customer_id(user["email"]) or f"user:{user_id}"

    def teams(self) -> Iterator[SourceTeam | Problem]:
        for row in self.db.rows("SELECT id, title FROM helpdesk_queue ORDER BY id"):
            if row.get("title"):
                yield SourceTeam(id=str(row["id"]), name=str(row["title"])[:100])
            else:
                yield Problem(f"queue {row.get('id')}", "has no title")

    def organizations(self) -> Iterator[SourceOrganization | Problem]:
        return iter(())  # django-helpdesk has none

    def people(self) -> Iterator[SourcePerson | Problem]:
        seen: set[str] = set()
        for user in self._all_users().values():
            full = " ".join(p for p in (user["first_name"], user["last_name"]) if p).strip()
            name = full or str(user["username"] or user["email"] or "")
            if user["is_staff"]:
                if not user["email"]:
                    yield Problem(f"user {user['id']}", "is staff without an email address")
                    continue
                role = "admin" if user["is_superuser"] else "agent"
                yield SourcePerson(
                    id=f"user:{user['id']}", name=name, email=str(user["email"]), role=role
                )
            elif (cid := _customer_id(user["email"])) and cid not in seen:
                seen.add(cid)
                yield SourcePerson(id=cid, name=name, email=str(user["email"]), role="customer")
        sql = (
            "SELECT DISTINCT submitter_email FROM helpdesk_ticket "
            "WHERE submitter_email IS NOT NULL AND submitter_email <> ''"
        )
        for row in self.db.rows(sql):
            email = str(row["submitter_email"]).strip()
            cid = _customer_id(email)
            if cid and cid not in seen:
                seen.add(cid)
                yield SourcePerson(id=cid, name=email, email=email, role="customer")

    # -- cases -------------------------------------------------------------------------

    def case_count(self) -> int | None:
        for row in self.db.rows("SELECT COUNT(*) AS n FROM helpdesk_ticket"):
            return int(row["n"])
        return None

    def cases(self) -> Iterator[SourceCase | Problem]:
        after = 0
        while True:
            page = list(
                self.db.rows(
                    "SELECT id, title, queue_id, created, submitter_email, assigned_to_id, "
                    "status, description, priority, merged_to_id FROM helpdesk_ticket "
                    "WHERE id > ? ORDER BY id LIMIT ?",
                    (after, PAGE),
                )
            )
            if not page:
                return
            follow_ups = self._follow_ups([int(t["id"]) for t in page])
            for ticket in page:
                yield self._case(ticket, follow_ups.get(int(ticket["id"]), []))
            after = int(page[-1]["id"])

    def _follow_ups(self, ticket_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
        marks = ", ".join("?" for _ in ticket_ids)
        # Only "?" marks go into these two queries; the ids are parameters.
        columns = "id, ticket_id, date, comment, public, user_id"
        sql = f"SELECT {columns} FROM helpdesk_followup WHERE ticket_id IN ({marks})"  # noqa: S608
        rows = list(self.db.rows(f"{sql} ORDER BY date, id", ticket_ids))
        files: dict[int, list[dict[str, Any]]] = {}
        if rows:
            marks = ", ".join("?" for _ in rows)
            columns = "id, followup_id, file, filename, mime_type, size"
            table = "helpdesk_followupattachment"
            sql = f"SELECT {columns} FROM {table} WHERE followup_id IN ({marks})"  # noqa: S608
            for f in self.db.rows(f"{sql} ORDER BY id", [int(r["id"]) for r in rows]):
                files.setdefault(int(f["followup_id"]), []).append(f)
        by_ticket: dict[int, list[dict[str, Any]]] = {}
        for row in rows:
            row["files"] = files.get(int(row["id"]), [])
            by_ticket.setdefault(int(row["ticket_id"]), []).append(row)
        return by_ticket

    def _case(self, row: dict[str, Any], follow_ups: list[dict[str, Any]]) -> SourceCase | Problem:
        what = f"ticket {row['id']}"
        try:
            if row["merged_to_id"] is not None:
                raise ValueError(
                    f"was merged into ticket {row['merged_to_id']} (its messages are there)"
                )
            requester = _customer_id(row["submitter_email"])
            if not requester:
                raise ValueError("has no submitter email address")
            status = STATUS.get(int(row["status"]))
            if status is None:
                raise ValueError(f"has a status caredesk does not import ({row['status']!r})")
            created = parse_time(row["created"])
            description = str(row["description"] or "").strip()
            comments = [
                SourceComment(
                    id=f"ticket-{row['id']}",
                    author_id=requester,
                    body=description,
                    public=True,
                    created_at=created,
                )
            ]
            for n, f in enumerate(follow_ups):
                text = str(f["comment"] or "").strip()
                if not text and not f["files"]:
                    continue  # a status change without words
                if n == 0 and text == description and not f["files"]:
                    continue  # django-helpdesk's copy of the description
                comments.append(
                    SourceComment(
                        id=str(f["id"]),
                        author_id=self._author(f["user_id"], requester),
                        body=text,
                        public=bool(f["public"]),
                        created_at=max(parse_time(f["date"]), created),
                        attachments=tuple(self._attachment(a) for a in f["files"]),
                    )
                )
            assignee = row["assigned_to_id"]
            return SourceCase(
                id=str(row["id"]),
                subject=str(row["title"] or "(no subject)"),
                status=status,
                priority=PRIORITY.get(int(row["priority"] or 3), "normal"),
                requester_id=requester,
                created_at=created,
                assignee_id=f"user:{assignee}" if assignee is not None else None,
                team_id=str(row["queue_id"]) if row["queue_id"] is not None else None,
                tags=("duplicate",) if int(row["status"]) == DUPLICATE else (),
                comments=tuple(comments),
            )
        except (ValueError, TypeError) as error:
            return Problem(what, str(error))

    def _attachment(self, row: dict[str, Any]) -> SourceAttachment:
        relative = str(row["file"] or "")
        size = row.get("size")

        def read() -> bytes:
            if self.media is None:
                raise OSError("no --media folder was given")
            path = (self.media / relative).resolve()
            if not path.is_relative_to(self.media):
                raise OSError("its path leads outside the media folder")
            if path.stat().st_size > settings.CAREDESK_MAX_ATTACHMENT_BYTES:
                raise OSError(f"over {settings.CAREDESK_MAX_ATTACHMENT_BYTES:,} bytes")
            return path.read_bytes()

        return SourceAttachment(
            filename=str(row["filename"] or Path(relative).name or "attachment"),
            content_type=str(row["mime_type"] or "application/octet-stream"),
            size=int(size) if isinstance(size, int) else None,
            read=read,
        )


def _customer_id(email: Any) -> str | None:
    text = str(email or "").strip().lower()
    return f"email:{text}" if "@" in text else None


def parse_time(value: Any) -> datetime:
    """A timestamp as each database hands it over: a datetime (PostgreSQL, MySQL; naive
    ones are UTC, as Django writes them) or text (SQLite)."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    if not isinstance(value, datetime):
        raise ValueError(f"has a timestamp that is not one ({value!r})")
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
