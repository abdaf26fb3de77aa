"""Reads for abuse display: one query per case page."""

from __future__ import annotations

from django.db.models import QuerySet

from caredesk.accounts.models import User
from caredesk.enrichment.models import CaseMood, CustomerAttention, MessageAbuse, MessageSentiment
from caredesk.tickets.access import visible_tickets
from caredesk.tickets.models import Ticket


def flags_for_ticket(ticket: Ticket) -> dict[int, MessageAbuse]:
    """Flagged (or once-flagged) messages of a case, by message id."""
    rows = MessageAbuse.objects.filter(ticket=ticket).exclude(
        flagged=False, unflagged_at__isnull=True
    )
    return {row.message_id: row for row in rows}


def attention_for(ticket: Ticket) -> CustomerAttention | None:
    return CustomerAttention.objects.filter(customer_id=ticket.customer_id).first()


def customers_needing_attention(user: User) -> QuerySet[CustomerAttention]:
    customer_ids = visible_tickets(user).values("customer_id")
    return (
        CustomerAttention.objects.filter(reviewed_at__isnull=True, customer_id__in=customer_ids)
        .select_related("customer")
        .order_by("-marked_at")
    )


def sentiments_for_ticket(ticket: Ticket) -> dict[int, MessageSentiment]:
    """The sentiment of each scored customer message of a case, by message id."""
    return {row.message_id: row for row in MessageSentiment.objects.filter(ticket=ticket)}


def mood_of(ticket_id: int) -> CaseMood | None:
    return CaseMood.objects.filter(ticket_id=ticket_id).first()
