"""Writing audit events. Called only from actions, inside their transaction."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from datetime import datetime
from typing import Any

from caredesk.accounts.models import User
from caredesk.core import acting, events
from caredesk.tickets.models import AuditEvent, Message, Ticket

# Audit verbs whose event name is not simply the verb with its first "_" made a ".":
# "promise_missed" -> "promise.missed", "status_changed" -> "status.changed".
EVENT_KINDS = {
    "created": "case.created",
    "reopened": "case.reopened",
    "assigned": "case.assigned",
    "replied": "message.added",
    "noted": "note.added",
    "escalated": "case.escalated",
    "follow_up_opened": "case.follow_up_opened",
    "followed_up": "case.followed_up",
    # Merge, split and links (caredesk/tickets/merge.py, links.py).
    "merged": "case.merged",
    "merged_in": "case.merge_received",
    "split": "case.split",
    "split_from": "case.split_from",
    "linked": "case.linked",
    "unlinked": "case.unlinked",
    "children_resolved": "case.children_resolved",
}


def event_kind(verb: str) -> str:
    """The event-log name of an audit verb (docs/events.md lists them)."""
    if verb in EVENT_KINDS:
        return EVENT_KINDS[verb]
    if "_" in verb:
        return verb.replace("_", ".", 1)
    return f"case.{verb}"


def actor_fields(actor: User | None) -> dict[str, Any]:
    if actor is None:
        label = acting.system_label()  # "Automation: <name>" while an automation acts
        return {"actor": None, "actor_kind": AuditEvent.ActorKind.SYSTEM, "actor_label": label}
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
    _emit([saved])
    return saved


def insert(
    rows: Iterable[AuditEvent],
    *,
    messages: Sequence[Message] = (),
    machine: Collection[int] = (),
) -> list[AuditEvent]:
    """Insert unsaved audit events (from :func:`event`) in one statement, and append
    their domain events — with a ``message.added`` event for each of ``messages`` (new
    customer messages, which the case history shows as messages, not audit lines) — in
    one :func:`caredesk.core.events.emit_many`, so each reaction runs once for them all.
    An action calls this once, at its end, when the case is as the action leaves it.
    ``machine``: the ids of those messages that machine mail wrote (auto-replies,
    bounces, lists); their events say so (``"machine": true``), so nothing answers them."""
    rows = AuditEvent.objects.bulk_create(list(rows))
    events.emit_many(
        [
            *(_emitted(row) for row in rows),
            *(_message_added(m, machine=m.pk in machine) for m in messages),
        ]
    )
    return rows


def _emit(rows: list[AuditEvent]) -> None:
    events.emit_many([_emitted(row) for row in rows])


def _emitted(row: AuditEvent) -> events.Emitted:
    return events.Emitted(
        events.new_event(
            event_kind(row.verb),
            now=row.created_at,
            ticket_id=row.ticket_id,
            actor_id=row.actor_id,
            actor_label=row.actor_label,
            data={
                "audit_id": row.pk,
                "field": row.field,
                "old": row.old_value,
                "new": row.new_value,
                "note": row.note,
                "public": row.public,
            },
        ),
        subject=row.ticket,  # the case object the action holds (no query)
        extra={"actor": row.actor},
    )


def _message_added(message: Message, *, machine: bool = False) -> events.Emitted:
    """The event of a customer's message (the same shape as a reply's ``replied``)."""
    customer = message.author_customer
    return events.Emitted(
        events.new_event(
            "message.added",
            now=message.created_at,
            ticket_id=message.ticket_id,
            actor_id=message.author_user_id or (customer.user_id if customer else None),
            actor_label=customer.name if customer else "",
            data={
                "field": "",
                "old": None,
                "new": {
                    "message": message.pk,
                    "kind": message.kind,
                    "channel": message.channel,
                    "machine": machine,
                },
                "note": "",
                "public": message.is_public,
            },
        ),
        subject=message.ticket,
        extra={"actor": message.author_user, "message": message},
    )
