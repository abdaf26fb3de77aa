"""Reads shared by views and other apps (the workspace shows delivery status)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Count, OuterRef, QuerySet, Subquery

from caredesk.channels.email.models import RawMessage, RawState
from caredesk.core.models import OutboundEmail, OutboundState

DELIVERY_LABELS = {
    OutboundState.QUEUED: "Queued",
    OutboundState.SENDING: "Sending",
    OutboundState.SENT: "Sent",
    OutboundState.RETRYING: "Retrying",
    OutboundState.FAILED: "Failed",
    OutboundState.BOUNCED: "Bounced",
    OutboundState.SUPPRESSED: "Not sent",
}


def latest_delivery_state() -> Subquery:
    """The state of a message's newest outbound mail, as an annotation on ``Message`` rows
    (``NULL`` for a message never mailed): the same answer as
    ``delivery_status_for_messages`` inside the message query, so a page needs no second
    query."""
    newest = OutboundEmail.objects.filter(message_id=OuterRef("pk")).order_by("-created_at", "-id")
    return Subquery(newest.values("state")[:1])


def delivery_status_for_messages(message_ids: Iterable[int]) -> dict[int, str]:
    """{caredesk message id: email delivery state} for the messages that were mailed.

    One query; the newest outbound mail of each message wins. States are the
    ``OutboundState`` values (queued, sending, sent, retrying, failed, bounced, suppressed);
    ``DELIVERY_LABELS`` has their display text."""
    ids = [int(i) for i in message_ids]
    if not ids:
        return {}
    result: dict[int, str] = {}
    rows = (
        OutboundEmail.objects.filter(message_id__in=ids)
        .order_by("message_id", "created_at", "id")
        .values_list("message_id", "state")
    )
    for message_id, state in rows:
        if message_id is not None:
            result[message_id] = state
    return result


def quarantined(state: str = RawState.QUARANTINED) -> QuerySet[RawMessage]:
    return (
        RawMessage.objects.filter(state=state)
        .defer("raw")
        .select_related("mailbox")
        .order_by("-received_at", "-id")
    )


def state_counts() -> dict[str, int]:
    rows = RawMessage.objects.values("state").annotate(n=Count("id")).order_by()
    return {row["state"]: row["n"] for row in rows}


def outbox_problems() -> QuerySet[OutboundEmail]:
    return OutboundEmail.objects.filter(
        state__in=[OutboundState.FAILED, OutboundState.RETRYING, OutboundState.BOUNCED]
    ).order_by("-created_at", "-id")
