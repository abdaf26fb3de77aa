"""Zammad, read through its documented REST API (``/api/v1``):

- ``/api/v1/roles``, ``/api/v1/groups``, ``/api/v1/ticket_states``,
  ``/api/v1/ticket_priorities`` — the names behind the ids;
- ``/api/v1/organizations``, ``/api/v1/users``, ``/api/v1/tickets`` — pages of
  ``per_page`` rows (``?page=N&per_page=100``) until a shorter page;
- ``/api/v1/ticket_articles/by_ticket/{id}`` — a ticket's articles (internal ones are
  notes), with attachments at ``/api/v1/ticket_attachment/{ticket}/{article}/{id}``;
- ``/api/v1/tags?object=Ticket&o_id={id}`` — a ticket's tags.

Authentication is an access token (``Authorization: Token token=…``)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from caredesk.channels.email.parsing import html_to_text
from caredesk.imports.http import MAX_JSON_BYTES, Client, SourceError
from caredesk.imports.source import (
    Problem,
    SourceAttachment,
    SourceCase,
    SourceComment,
    SourceOrganization,
    SourcePerson,
    SourceTeam,
)
from caredesk.imports.zendesk import MAX_ATTACHMENT_BYTES, parse_time

PER_PAGE = 100
MAX_PAGES = 100_000
STATE = {
    "new": "new",
    "open": "open",
    "pending reminder": "waiting_customer",
    "pending close": "waiting_customer",
    "closed": "closed",
}
PRIORITY = {"1 low": "low", "2 normal": "normal", "3 high": "high"}
# Zammad's "nobody" owner.
NOBODY = 1


class ZammadReader:
    def __init__(self, client: Client) -> None:
        self.client = client
        self.name = f"zammad:{client.host}"
        self._names: dict[str, dict[int, str]] = {}

    @classmethod
    def connect(cls, url: str, *, token: str) -> ZammadReader:
        return cls(Client(url, headers={"Authorization": f"Token token={token}"}))

    def _list(self, path: str) -> list[Any]:
        data = self.client.get_bytes(path, limit=MAX_JSON_BYTES)
        try:
            rows = json.loads(data)
        except (ValueError, UnicodeDecodeError) as error:
            raise SourceError(f"{self.client.url(path)} sent broken JSON: {error}") from None
        if not isinstance(rows, list):
            raise SourceError(f"{self.client.url(path)} sent JSON that is not a list")
        return rows

    def _pages(self, path: str) -> Iterator[dict[str, Any]]:
        for page in range(1, MAX_PAGES + 1):
            rows = self._list(f"{path}?page={page}&per_page={PER_PAGE}")
            yield from (r for r in rows if isinstance(r, dict))
            if len(rows) < PER_PAGE:
                return

    def _lookup(self, what: str) -> dict[int, str]:
        if what not in self._names:
            self._names[what] = {
                int(r["id"]): str(r.get("name", "")).lower()
                for r in self._list(f"/api/v1/{what}")
                if isinstance(r, dict) and "id" in r
            }
        return self._names[what]

    def case_count(self) -> int | None:
        return None

    def teams(self) -> Iterator[SourceTeam | Problem]:
        for row in self._list("/api/v1/groups"):
            if isinstance(row, dict) and row.get("id") and row.get("name"):
                yield SourceTeam(id=str(row["id"]), name=str(row["name"]))
            else:
                yield Problem(f"group {_id(row)}", "has no id or name")

    def organizations(self) -> Iterator[SourceOrganization | Problem]:
        for row in self._pages("/api/v1/organizations"):
            if row.get("id") and row.get("name"):
                yield SourceOrganization(id=str(row["id"]), name=str(row["name"]))
            else:
                yield Problem(f"organization {_id(row)}", "has no id or name")

    def people(self) -> Iterator[SourcePerson | Problem]:
        roles = self._lookup("roles")
        for row in self._pages("/api/v1/users"):
            what = f"user {_id(row)}"
            if row.get("id") == NOBODY:
                continue
            names = {roles.get(int(r), "") for r in row.get("role_ids") or () if str(r).isdigit()}
            role = "admin" if "admin" in names else "agent" if "agent" in names else "customer"
            if not row.get("email"):
                yield Problem(what, "has no id or no email address")
                continue
            full = " ".join(p for p in (row.get("firstname"), row.get("lastname")) if p)
            org = row.get("organization_id")
            yield SourcePerson(
                id=str(row["id"]),
                name=full or str(row["email"]),
                email=str(row["email"]),
                role=role,
                organization_id=str(org) if org is not None else None,
            )

    def cases(self) -> Iterator[SourceCase | Problem]:
        for row in self._pages("/api/v1/tickets"):
            yield self._case(row)

    def _case(self, row: dict[str, Any]) -> SourceCase | Problem:
        what = f"ticket {_id(row)}"
        try:
            state = self._lookup("ticket_states").get(int(row["state_id"]), "?")
            status = STATE.get(state)
            if status is None:
                raise ValueError(f"has a state caredesk does not import ({state!r})")
            priorities = self._lookup("ticket_priorities")
            priority = PRIORITY.get(priorities.get(int(row.get("priority_id") or 2), ""), "normal")
            articles = tuple(self._articles(int(row["id"])))
            if not articles:
                raise ValueError("has no articles (no first message)")
            owner = row.get("owner_id")
            tags = self.client.get_json(f"/api/v1/tags?object=Ticket&o_id={int(row['id'])}")
            return SourceCase(
                id=str(row["id"]),
                subject=str(row.get("title") or "(no subject)"),
                status=status,
                priority=priority,
                requester_id=str(row["customer_id"]),
                created_at=parse_time(row["created_at"]),
                assignee_id=str(owner) if owner not in (None, NOBODY) else None,
                team_id=str(row["group_id"]) if row.get("group_id") else None,
                tags=tuple(t for t in tags.get("tags") or () if isinstance(t, str)),
                comments=articles,
            )
        except KeyError as missing:
            return Problem(what, f"has no {missing}")
        except (ValueError, TypeError, SourceError) as error:
            return Problem(what, str(error))

    def _articles(self, ticket_id: int) -> Iterator[SourceComment]:
        for row in self._list(f"/api/v1/ticket_articles/by_ticket/{ticket_id}"):
            if not isinstance(row, dict) or row.get("sender") == "System":
                continue
            body = str(row.get("body") or "")
            if row.get("content_type") == "text/html":
                body = html_to_text(body)
            yield SourceComment(
                id=str(row["id"]),
                author_id=str(row["created_by_id"]),
                body=body,
                public=not row.get("internal", False),
                created_at=parse_time(row["created_at"]),
                attachments=tuple(
                    self._attachment(ticket_id, int(row["id"]), a)
                    for a in row.get("attachments") or ()
                    if isinstance(a, dict)
                ),
            )

    def _attachment(self, ticket_id: int, article_id: int, row: dict[str, Any]) -> SourceAttachment:
        path = f"/api/v1/ticket_attachment/{ticket_id}/{article_id}/{int(row['id'])}"
        prefs: dict[str, Any] = row.get("preferences") or {}

        def read() -> bytes:
            try:
                return self.client.get_bytes(path, limit=MAX_ATTACHMENT_BYTES)
            except SourceError as error:
                raise OSError(str(error)) from None

        size = row.get("size")
        return SourceAttachment(
            filename=str(row.get("filename") or "attachment"),
            content_type=str(
                (prefs.get("Content-Type") if isinstance(prefs, dict) else None)
                or "application/octet-stream"
            ),
            size=int(size) if isinstance(size, int | str) and str(size).isdigit() else None,
            read=read,
        )


def _id(row: Any) -> str:
    return str(row.get("id", "?")) if isinstance(row, dict) else "?"
