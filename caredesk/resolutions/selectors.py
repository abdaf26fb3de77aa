"""Reads of resolutions that views share."""

from __future__ import annotations

from caredesk.resolutions.models import Outcome, Resolution
from caredesk.tickets.models import Status, Ticket


def is_open_question(resolution: Resolution) -> bool:
    return resolution.is_pending and resolution.ticket.status == Status.RESOLVED


def open_question(ticket: Ticket) -> Resolution | None:
    """The pending "Is this solved?" of a resolved case, if any (one indexed read)."""
    if ticket.status != Status.RESOLVED or ticket.resolution_outcome != Outcome.PENDING:
        return None
    return (
        Resolution.objects.filter(ticket_id=ticket.pk, outcome=Outcome.PENDING)
        .order_by("-resolved_at", "-id")
        .first()
    )


def history(ticket: Ticket, limit: int = 20) -> list[Resolution]:
    return list(
        Resolution.objects.filter(ticket_id=ticket.pk)
        .select_related("agent")
        .order_by("-resolved_at", "-id")[:limit]
    )
