"""Grouping: the system escalations (SLA breaches, missed promises) of one agent's
cases, or of the cases waiting unassigned in one team's queue, within
``CAREDESK_ESCALATION_GROUP_MINUTES`` ride on the first one, so the lead has one item, one
notice and one deadline instead of one each (issue 15). A member is an open escalation on
its own case (the case shows it is escalated, to whom and by when) with no deadline or
notice of its own; it follows its escalation up the ladder and is answered with it.
Called by :mod:`caredesk.escalations.actions.escalate` inside its transaction."""

from __future__ import annotations

from datetime import datetime

from caredesk.escalations import routing
from caredesk.escalations.models import (
    Escalation,
    EscalationSource,
    EscalationStatus,
    next_role,
)
from caredesk.escalations.texts import escalation_note
from caredesk.tickets import audit
from caredesk.tickets.models import Ticket

SYSTEM_SOURCES = (EscalationSource.SLA_BREACH, EscalationSource.MISSED_PROMISE)


def group_key(ticket: Ticket, source: str) -> str:
    """Whose system escalations group together: the case's assignee's, or — for a case
    still waiting unassigned — its team queue's ("" for other sources: never grouped)."""
    if source not in SYSTEM_SOURCES:
        return ""
    if ticket.assignee_id is not None:
        return f"agent:{ticket.assignee_id}"
    return f"queue:{ticket.team_id or '-'}"


def group_for(ticket: Ticket, source: str, now: datetime) -> Escalation | None:
    """The open system escalation of the same agent's cases (or the same team queue's
    unassigned cases), opened within the group window, that a new breach or miss rides
    on (one item for the lead)."""
    window = routing.group_window()
    key = group_key(ticket, source)
    if not window or not key:
        return None
    return (
        Escalation.objects.select_for_update(of=("self",))
        .select_related("owner", "on_behalf_of", "ticket")
        .filter(
            status=EscalationStatus.OPEN,
            parent__isnull=True,
            group_key=key,
            abuse_review=False,
            stalled=False,
            source__in=SYSTEM_SOURCES,
            created_at__gte=now - window,
            created_at__lte=now,
        )
        .exclude(ticket_id=ticket.pk)
        .order_by("created_at", "id")
        .first()
    )


def join_group(
    primary: Escalation,
    ticket: Ticket,
    source: str,
    reason: str,
    now: datetime,
    solved_by: str = "",
) -> Escalation:
    """Open this case's escalation as a member of ``primary``: same owner and level, no
    deadline or notice of its own (the primary's carry it); answered with it."""
    member = Escalation.objects.create(
        ticket=ticket,
        source=source,
        reason=reason,
        raised_by=None,
        created_at=now,
        parent=primary,
        level=primary.level,
        owner=primary.owner,
        on_behalf_of=primary.on_behalf_of,
        due_at=None,
        step_up_at=None,
        group_key=primary.group_key,
        solved_by=solved_by,
    )
    audit.record(
        ticket,
        None,
        "escalated",
        now=now,
        field="escalation",
        new={
            "level": member.level,
            "owner": member.owner.display_name if member.owner else None,
            "source": source,
            "due": primary.due_at.isoformat() if primary.due_at else None,
            "grouped_with": primary.ticket.reference,
        },
        note=escalation_note(member.level, primary.due_at, ticket=ticket),
        public=True,
    )
    return member


def detach(escalation: Escalation, ticket: Ticket, now: datetime) -> None:
    """A member that now needs an answer of its own leaves its group, with its own
    deadline from now."""
    escalation.parent = None
    escalation.due_at, escalation.step_up_at = routing.decision_times(
        ticket, now, routing.escalation_minutes(), at_top=next_role(escalation.level) is None
    )


def sync_members(escalation: Escalation) -> None:
    Escalation.objects.filter(parent=escalation, status=EscalationStatus.OPEN).update(
        level=escalation.level,
        owner=escalation.owner,
        on_behalf_of=escalation.on_behalf_of,
        steps=escalation.steps,
    )


def promote(closed: Escalation) -> Escalation | None:
    """``closed`` carried a group and closed by itself while members are still open: the
    oldest open member carries the group on (its deadline, step-up and level), so the
    lead keeps one item for the rest."""
    members = list(
        Escalation.objects.select_for_update(of=("self",))
        .filter(parent=closed, status=EscalationStatus.OPEN)
        .order_by("created_at", "id")
    )
    if not members:
        return None
    heir, rest = members[0], members[1:]
    heir.parent = None
    heir.due_at, heir.step_up_at = closed.due_at, closed.step_up_at
    heir.save(update_fields=["parent", "due_at", "step_up_at"])
    Escalation.objects.filter(pk__in=[m.pk for m in rest]).update(parent=heir)
    return heir
