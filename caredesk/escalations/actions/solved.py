"""A system escalation whose underlying problem is solved closes by itself (issue 15).

An SLA breach of the first or next response is solved when the case gets a public
reply; a missed resolution when the case is resolved (resolving solves a missed reply
too). Escalations someone asked for (an agent, the customer, an abuse review) are never
closed this way: ``solved_by`` is cleared when such a request joins. Called inside the
case action's transaction by :mod:`caredesk.escalations.reactions`.

Nothing is hidden: the case keeps its ``escalated`` and ``sla_breached`` events, and the
closing is an ``escalation_closed`` event (public: the customer saw it escalated) with
what solved it. A group whose carrier closes lives on in its oldest open member.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction

from caredesk.core import deadlines
from caredesk.escalations.actions import group
from caredesk.escalations.actions.common import ESCALATION_DEADLINE, ESCALATION_STEP_UP
from caredesk.escalations.models import Escalation, EscalationStatus
from caredesk.sla.calendar import require_aware
from caredesk.tickets import audit
from caredesk.tickets.models import Ticket

WHAT_SOLVES = {
    "reply": ("reply",),
    "resolve": ("reply", "resolve"),
}
NOTES = {
    "reply": "The case got its reply; the escalation closed by itself.",
    "resolve": "The case was resolved; the escalation closed by itself.",
}


def do_close_solved_escalations(ticket: Ticket, *, what: str, now: datetime) -> int:
    """Close the case's open system escalation when ``what`` ("reply": a public reply
    was sent; "resolve": the case was resolved) solves it. Returns how many closed (0
    or 1). Idempotent: the close is a conditional UPDATE on the open row."""
    require_aware(now, "now")
    solvable = WHAT_SOLVES.get(what)
    if solvable is None:
        raise ValueError(f"unknown solution {what!r}")
    with transaction.atomic():
        escalation = (
            Escalation.objects.select_for_update(of=("self",))
            .filter(
                ticket_id=ticket.pk,
                status=EscalationStatus.OPEN,
                solved_by__in=solvable,
                abuse_review=False,
            )
            .first()
        )
        if escalation is None:
            return 0
        closed = Escalation.objects.filter(pk=escalation.pk, status=EscalationStatus.OPEN).update(
            status=EscalationStatus.RESOLVED,
            resolution=NOTES[what],
            resolved_by=None,
            resolved_at=now,
            due_at=None,
            step_up_at=None,
        )
        if closed != 1:
            return 0
        heir = group.promote(escalation) if escalation.parent_id is None else None
        audit.record(
            ticket,
            None,
            "escalation_closed",
            now=now,
            field="escalation",
            old={"status": EscalationStatus.OPEN, "level": escalation.level},
            new={
                "status": EscalationStatus.RESOLVED,
                "solved_by": what,
                "group_now_on": heir.ticket_id if heir is not None else None,
            },
            note=NOTES[what],
            public=True,
        )
        if heir is not None:
            deadlines.schedule(ESCALATION_DEADLINE, [heir.pk], heir.due_at)
            deadlines.schedule(ESCALATION_STEP_UP, [heir.pk], heir.step_up_at)
    return 1
