from __future__ import annotations

from caredesk.channels.phone.models import CallLog
from caredesk.tickets.models import Ticket


def case_calls(ticket: Ticket, limit: int = 20) -> list[CallLog]:
    return list(
        CallLog.objects.filter(ticket_id=ticket.pk)
        .select_related("agent", "kept_promise")
        .order_by("-created_at", "-id")[:limit]
    )
