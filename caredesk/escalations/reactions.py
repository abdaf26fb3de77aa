"""How escalations follow the other apps: a missed SLA target or a missed promise gives
the case an owner and a decision deadline (P8), moving up a level if nobody answers; and
when the case gets what the breach was about (its reply, its resolution), that system
escalation closes by itself.

Wired in ``settings.CAREDESK_EVENT_REACTIONS`` for ``sla.breached`` and
``promise.missed`` (:func:`escalate_misses`), ``message.added`` and ``status.changed`` /
``case.reopened`` (:func:`close_solved`); they run inside the transaction of the action
that appended the event, holding the case row.
:func:`~caredesk.escalations.actions.do_escalate` is idempotent: a case with an open
escalation gets the miss logged on it instead of a second escalation.
"""

from __future__ import annotations

from typing import Any

from caredesk.accounts.models import Role
from caredesk.core.events import Emitted
from caredesk.escalations.actions import (
    do_close_solved_escalations,
    do_escalate,
    do_follow_merge,
)
from caredesk.escalations.models import EscalationSource
from caredesk.tickets.models import MessageKind, Status, Ticket

KINDS = ("sla.breached", "promise.missed")
CLOSE_KINDS = ("message.added", "status.changed", "case.reopened")
# The SLA target that was missed -> what solves it (``Escalation.solved_by``).
SOLVED_BY = {"first response": "reply", "next response": "reply", "resolution": "resolve"}


def _value(values: Any, key: str) -> str:
    return str(values.get(key) or "") if isinstance(values, dict) else ""


def escalate_misses(group: list[Emitted]) -> None:
    for e in group:
        ticket = e.subject
        if not isinstance(ticket, Ticket):
            if e.event.ticket_id is None:
                continue
            ticket = Ticket.objects.select_for_update().filter(pk=e.event.ticket_id).first()
            if ticket is None:
                continue
        data = e.event.data
        solved_by = ""
        if e.kind == "sla.breached":
            source = EscalationSource.SLA_BREACH
            target = _value(data.get("new"), "target")
            reason = f"The {target or 'service-level'} target was missed."
            solved_by = SOLVED_BY.get(target, "")
        else:
            source = EscalationSource.MISSED_PROMISE
            text = _value(data.get("old"), "promise")
            reason = f"A promise to the customer was missed: {text}"[:5000]
        do_escalate(
            ticket,
            actor=None,
            source=source,
            reason=reason,
            now=e.event.created_at,
            level=Role.LEAD,
            solved_by=solved_by,
        )


def close_solved(group: list[Emitted]) -> None:
    """A public reply or the case's resolution closes the system escalation it solves."""
    for e in group:
        ticket, new = e.subject, e.event.data.get("new")
        if not isinstance(ticket, Ticket):
            continue
        if e.kind == "message.added":
            if isinstance(new, dict) and new.get("kind") == MessageKind.REPLY:
                do_close_solved_escalations(ticket, what="reply", now=e.event.created_at)
        elif new == Status.RESOLVED:
            do_close_solved_escalations(ticket, what="resolve", now=e.event.created_at)


def follow_merges(group: list[Emitted]) -> None:
    """``case.merged``: the source's open escalation follows it (actions/merge.py)."""
    for e in group:
        source, new = e.subject, e.event.data.get("new")
        if not isinstance(source, Ticket) or not isinstance(new, dict):
            continue
        target_id = (new.get("target") or {}).get("id")
        target = Ticket.objects.filter(pk=target_id).first() if target_id else None
        if target is not None:
            do_follow_merge(source, target, actor=e.actor, now=e.event.created_at)
