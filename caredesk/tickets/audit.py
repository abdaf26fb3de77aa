"""Writing audit events. Called only from actions, inside their transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from caredesk.accounts.models import User
from caredesk.tickets.models import AuditEvent, Ticket


def actor_fields(actor: User | None) -> dict[str, Any]:
    if actor is None:
        return {"actor": None, "actor_kind": AuditEvent.ActorKind.SYSTEM, "actor_label": "caredesk"}
    kind = AuditEvent.ActorKind.CUSTOMER if actor.is_customer else AuditEvent.ActorKind.STAFF
    return {"actor": actor, "actor_kind": kind, "actor_label": actor.display_name}


def event(
    ticket: Ticket | None,
    actor: User | None,
    verb: str,
    *,
    now: datetime,
    field: str = "",
    old: Any = None,
    new: Any = None,
    note: str = "",
    public: bool = False,
) -> AuditEvent:
    """An unsaved event, for actions that insert many at once (``bulk_create``)."""
    return AuditEvent(
        ticket=ticket,
        verb=verb,
        field=field,
        old_value=old,
        new_value=new,
        note=note,
        public=public,
        created_at=now,
        **actor_fields(actor),
    )


def record(
    ticket: Ticket | None,
    actor: User | None,
    verb: str,
    *,
    now: datetime,
    field: str = "",
    old: Any = None,
    new: Any = None,
    note: str = "",
    public: bool = False,
) -> AuditEvent:
    saved = event(
        ticket, actor, verb, now=now, field=field, old=old, new=new, note=note, public=public
    )
    saved.save()
    return saved
