"""Zendesk, read through its documented REST API (Support API v2):

- ``/api/v2/groups.json``, ``/api/v2/organizations.json``, ``/api/v2/users.json`` — pages
  linked by ``next_page``;
- ``/api/v2/incremental/tickets/cursor.json?start_time=0`` — every ticket, cursor pages
  until ``end_of_stream``;
- ``/api/v2/tickets/{id}/comments.json`` — a ticket's comments (public replies and
  private notes) with their attachments' ``content_url``.

Authentication is an API token (``email/token:TOKEN``). A 429 answer is waited out as
its ``Retry-After`` says (``http.Client``)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from caredesk.imports.http import Client, SourceError
from caredesk.imports.source import (
    Problem,
    SourceAttachment,
    SourceCase,
    SourceComment,
    SourceOrganization,
    SourcePerson,
    SourceTeam,
)

STATUS = {
    "new": "new",
    "open": "open",
    "pending": "waiting_customer",
    "hold": "waiting_us",
    "solved": "resolved",
    "closed": "closed",
}
PRIORITY = {None: "normal", "low": "low", "normal": "normal", "high": "high", "urgent": "urgent"}
ROLE = {"end-user": "customer", "agent": "agent", "admin": "admin"}
MAX_PAGES = 100_000
MAX_ATTACHMENT_BYTES = 25 * 1024 * 1024


def parse_time(value: Any) -> datetime:
    if not isinstance(value, str):
        raise ValueError(f"not a time: {value!r}")
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        raise ValueError(f"time without a zone: {value!r}")
    return parsed


class ZendeskReader:
    def __init__(self, client: Client) -> None:
        self.client = client
        self.name = f"zendesk:{client.host}"
        self._count: int | None = None

    @classmethod
    def connect(cls, url: str, *, email: str, token: str) -> ZendeskReader:
        return cls(Client(url, headers=Client.basic(f"{email}/token", token)))

    def _pages(self, path: str, key: str) -> Iterator[dict[str, Any]]:
        url: str | None = path
        for _ in range(MAX_PAGES):
            if url is None:
                return
            page = self.client.get_json(url)
            rows = page.get(key)
            if not isinstance(rows, list):
                raise SourceError(f"{url}: no {key!r} list in the answer")
            yield from (r for r in rows if isinstance(r, dict))
            url = page.get("next_page") if isinstance(page.get("next_page"), str) else None

    def teams(self) -> Iterator[SourceTeam | Problem]:
        for row in self._pages("/api/v2/groups.json", "groups"):
            try:
                yield SourceTeam(id=str(row["id"]), name=str(row["name"]))
            except KeyError as missing:
                yield Problem(f"group {row.get('id', '?')}", f"has no {missing}")

    def organizations(self) -> Iterator[SourceOrganization | Problem]:
        for row in self._pages("/api/v2/organizations.json", "organizations"):
            try:
                yield SourceOrganization(id=str(row["id"]), name=str(row["name"]))
            except KeyError as missing:
                yield Problem(f"organization {row.get('id', '?')}", f"has no {missing}")

    def people(self) -> Iterator[SourcePerson | Problem]:
        for row in self._pages("/api/v2/users.json", "users"):
            what = f"user {row.get('id', '?')}"
            role = ROLE.get(str(row.get("role")))
            if "id" not in row or not row.get("email"):
                yield Problem(what, "has no id or no email address")
            elif role is None:
                yield Problem(what, f"has an unknown role {row.get('role')!r}")
            else:
                org = row.get("organization_id")
                yield SourcePerson(
                    id=str(row["id"]),
                    name=str(row.get("name") or row["email"]),
                    email=str(row["email"]),
                    role=role,
                    organization_id=str(org) if org is not None else None,
                )

    def case_count(self) -> int | None:
        return self._count

    def cases(self) -> Iterator[SourceCase | Problem]:
        url: str | None = "/api/v2/incremental/tickets/cursor.json?start_time=0"
        for _ in range(MAX_PAGES):
            if url is None:
                return
            page = self.client.get_json(url)
            tickets = page.get("tickets")
            if not isinstance(tickets, list):
                raise SourceError(f"{url}: no 'tickets' list in the answer")
            for row in tickets:
                yield self._case(row)
            after = page.get("after_url")
            url = None if page.get("end_of_stream") or not isinstance(after, str) else after

    def _case(self, row: Any) -> SourceCase | Problem:
        what = f"ticket {row.get('id', '?') if isinstance(row, dict) else '?'}"
        try:
            if not isinstance(row, dict):
                raise ValueError("is not an object")
            status = STATUS.get(str(row.get("status")))
            if status is None:
                raise ValueError(f"has an unknown status {row.get('status')!r}")
            if row.get("status") == "deleted":
                raise ValueError("was deleted in Zendesk")
            comments = tuple(self._comments(str(row["id"])))
            if not comments:
                raise ValueError("has no comments (no first message)")
            return SourceCase(
                id=str(row["id"]),
                subject=str(row.get("subject") or row.get("raw_subject") or "(no subject)"),
                status=status,
                priority=PRIORITY.get(row.get("priority"), "normal"),
                requester_id=str(row["requester_id"]),
                created_at=parse_time(row["created_at"]),
                assignee_id=_opt(row.get("assignee_id")),
                team_id=_opt(row.get("group_id")),
                tags=tuple(str(t) for t in row.get("tags") or () if isinstance(t, str)),
                comments=comments,
            )
        except KeyError as missing:
            return Problem(what, f"has no {missing}")
        except (ValueError, TypeError, SourceError) as error:
            return Problem(what, str(error))

    def _comments(self, ticket_id: str) -> Iterator[SourceComment]:
        for row in self._pages(f"/api/v2/tickets/{ticket_id}/comments.json", "comments"):
            yield SourceComment(
                id=str(row["id"]),
                author_id=str(row["author_id"]),
                body=str(row.get("plain_body") or row.get("body") or ""),
                public=bool(row.get("public", True)),
                created_at=parse_time(row["created_at"]),
                attachments=tuple(self._attachment(a) for a in row.get("attachments") or ()),
            )

    def _attachment(self, row: dict[str, Any]) -> SourceAttachment:
        url = str(row["content_url"])
        size = row.get("size") if isinstance(row.get("size"), int) else None

        def read() -> bytes:
            # Zendesk serves files from its own storage host: no credentials go there.
            same = url.startswith(self.client.base_url)
            try:
                return self.client.get_bytes(url, limit=MAX_ATTACHMENT_BYTES, send_auth=same)
            except SourceError as error:
                raise OSError(str(error)) from None

        return SourceAttachment(
            filename=str(row.get("file_name") or "attachment"),
            content_type=str(row.get("content_type") or "application/octet-stream"),
            size=size,
            read=read,
        )


def _opt(value: Any) -> str | None:
    return None if value is None else str(value)
