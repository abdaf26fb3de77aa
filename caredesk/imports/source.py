"""What every source reader yields: the desk's people and cases in one plain shape.

A reader never writes; the importer (``importer.py``) maps these onto caredesk's actions.
A record the reader cannot make sense of is yielded as a :class:`Problem` instead, so one
bad record is reported and the rest go on."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True)
class Problem:
    what: str  # "case 123", "user 7", "row 12"
    message: str


@dataclass(frozen=True)
class SourceTeam:
    id: str
    name: str


@dataclass(frozen=True)
class SourceOrganization:
    id: str
    name: str


@dataclass(frozen=True)
class SourcePerson:
    id: str
    name: str
    email: str
    # "customer", or a staff role: "agent", "lead", "manager", "admin".
    role: str
    organization_id: str | None = None


@dataclass(frozen=True)
class SourceAttachment:
    filename: str
    content_type: str
    size: int | None
    # Reads the file (a download for REST sources); raises OSError when it cannot.
    read: Callable[[], bytes]


@dataclass(frozen=True)
class SourceComment:
    id: str
    author_id: str
    body: str
    public: bool
    created_at: datetime
    attachments: tuple[SourceAttachment, ...] = ()


@dataclass(frozen=True)
class SourceCase:
    id: str
    subject: str
    status: str  # caredesk's status names
    priority: str  # caredesk's priority names
    requester_id: str
    created_at: datetime
    assignee_id: str | None = None
    team_id: str | None = None
    tags: tuple[str, ...] = ()
    comments: tuple[SourceComment, ...] = field(default_factory=tuple)
    # Custom case fields by key: (key, raw value) (docs/custom-fields.md).
    fields: tuple[tuple[str, str], ...] = ()


class Reader(Protocol):
    """One source. ``name`` identifies it for idempotency ("zendesk:acme.zendesk.com")."""

    name: str

    def teams(self) -> Iterator[SourceTeam | Problem]: ...

    def organizations(self) -> Iterator[SourceOrganization | Problem]: ...

    def people(self) -> Iterator[SourcePerson | Problem]: ...

    def cases(self) -> Iterator[SourceCase | Problem]: ...

    def case_count(self) -> int | None: ...
