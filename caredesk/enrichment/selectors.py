"""Reads for abuse display: one query per case page."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from caredesk.accounts.models import User
from caredesk.enrichment.models import CaseMood, CustomerAttention, MessageAbuse, MessageSentiment
from caredesk.tickets.access import visible_tickets
from caredesk.tickets.models import Message, MessageKind, Ticket


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


@dataclass(frozen=True)
class ReplyContext:
    """What a new public reply should answer: the pinned original request, the
    customer's messages since the last public reply, and the earlier public replies
    (which may already have answered the pinned request)."""

    pinned: str
    since_last_reply: list[str]
    earlier_replies: list[str]


REPLY_CONTEXT_MESSAGES = 40


def reply_context(ticket: Ticket) -> ReplyContext:
    """One query: the newest public messages of the case, newest first."""
    rows = list(
        Message.objects.filter(ticket=ticket, kind__in=(MessageKind.CUSTOMER, MessageKind.REPLY))
        .order_by("-created_at", "-id")
        .values_list("kind", "body")[:REPLY_CONTEXT_MESSAGES]
    )
    since: list[str] = []
    replies: list[str] = []
    for kind, body in rows:
        if kind == MessageKind.REPLY:
            replies.append(body)
        elif not replies:
            since.append(body)
    since.reverse()
    return ReplyContext(
        pinned=ticket.original_request or "", since_last_reply=since, earlier_replies=replies
    )
