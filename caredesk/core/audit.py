"""Audited changes that are not about a case: accounts, customers, organizations.

A case's history is ``tickets.AuditEvent`` (``caredesk.tickets.audit``), which sits above
accounts and customers; the changes of those lower apps are recorded here instead, as
an event in the event log with the old and new values, appended in the action's
transaction (``caredesk.core.events``). Admins read them under *caredesk core → Events*.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from caredesk.core import events
from caredesk.core.models import Event


class Actor(Protocol):
    """Who did it: a signed-in person (``accounts.User``), or None for caredesk itself."""

    @property
    def pk(self) -> Any: ...

    @property
    def display_name(self) -> str: ...

    @property
    def is_customer(self) -> bool: ...


@dataclass(frozen=True)
class Change:
    """One audited change, for :func:`record_many`."""

    kind: str  # "customer.created", "api_token.revoked"…
    actor: Actor | None = None
    field: str = ""
    old: Any = None
    new: Any = None
    note: str = ""


def _event(change: Change, now: datetime) -> events.Emitted:
    actor = change.actor
    if actor is None:
        actor_kind, label = "system", "caredesk"
    else:
        actor_kind, label = ("customer" if actor.is_customer else "staff"), actor.display_name
    return events.Emitted(
        events.new_event(
            change.kind,
            now=now,
            actor_id=actor.pk if actor is not None else None,
            actor_label=label,
            data={
                "field": change.field,
                "old": change.old,
                "new": change.new,
                "note": change.note,
                "actor_kind": actor_kind,
            },
        ),
        extra={"actor": actor},
    )


def record(
    kind: str,
    *,
    actor: Actor | None,
    now: datetime,
    field: str = "",
    old: Any = None,
    new: Any = None,
    note: str = "",
) -> Event:
    """Append one audited change. Call inside the action's transaction."""
    emitted = _event(Change(kind, actor, field, old, new, note), now)
    events.emit_many([emitted])
    return emitted.event


def record_many(changes: Sequence[Change], *, now: datetime) -> list[Event]:
    """Append several audited changes in one statement (batch actions)."""
    emitted = [_event(change, now) for change in changes]
    events.emit_many(emitted)
    return [e.event for e in emitted]
