"""Reads the portal pages share. Cases are fetched only through ``visible_tickets``."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import QuerySet
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from caredesk.accounts.models import User
from caredesk.channels.portal import words
from caredesk.customers.models import ContactIdentity, Customer
from caredesk.tickets.access import customer_messages, visible_tickets
from caredesk.tickets.merge import final_target
from caredesk.tickets.models import AuditEvent, Message, Status, Ticket

SCOPE_MINE = "mine"
SCOPE_ORG = "org"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def find_customer_by_email(email: str) -> tuple[Customer, str] | None:
    """The customer an email address belongs to (case-insensitive), with the stored address."""
    identity = (
        ContactIdentity.objects.select_related("customer", "customer__user")
        .filter(kind=ContactIdentity.Kind.EMAIL, value__iexact=email)
        .order_by("id")
        .first()
    )
    if identity is None:
        return None
    return identity.customer, identity.value


def shares_org_cases(customer: Customer) -> bool:
    org = customer.organization
    return bool(org is not None and org.shared_cases)


def portal_cases(user: User, customer: Customer, scope: str) -> QuerySet[Ticket]:
    """The cases a customer's list shows: their own, or their organization's when shared."""
    qs = visible_tickets(user)
    if scope != SCOPE_ORG or not shares_org_cases(customer):
        qs = qs.filter(customer_id=customer.pk)
    return qs.select_related("customer").order_by("-updated_at", "-id")


EVENT_LABELS: dict[str, Promise] = {
    "created": _("Case opened"),
    "replied": _("Reply sent"),
    "status_changed": _("Status changed"),
    "reopened": _("Case reopened"),
    "resolution_confirmed": _("You confirmed it is solved"),
    "resolution_rejected": _("You told us it is not solved"),
    "resolution_unconfirmed": _("Closed without an answer"),
    "follow_up_opened": _("Follow-up case"),
    "followed_up": _("Follow-up case opened"),
    "merged": _("Merged into another case"),
    "merged_in": _("A duplicate case was merged into this one"),
    "split": _("A message moved to a new case"),
    "split_from": _("Opened from a message on another case"),
}


def merged_into_visible(user: User, ticket: Ticket) -> Ticket | None:
    """Where a merged case's pointer leads, when this customer may see that case (the same
    customer's duplicate); None across customers, or when the case is not merged."""
    if ticket.status != Status.MERGED:
        return None
    return visible_tickets(user).filter(pk=final_target(ticket).pk).first()


def status_label(value: Any) -> str:
    """A case state as the customer reads it, in their language."""
    return words.case_status(value)


@dataclass
class TimelineEntry:
    """One row of the customer-visible history: a public message or a public event."""

    at: datetime
    kind: str  # "message" or "event"
    message: Message | None = None
    event: AuditEvent | None = None
    text: str = ""
    detail: str = ""
    order: tuple[int, int] = field(default=(0, 0))


def _describe_event(event: AuditEvent) -> tuple[str, str]:
    """A plain-language line for an audit event the customer may see."""
    known = EVENT_LABELS.get(event.verb)
    label = str(known) if known is not None else event.verb.replace("_", " ").capitalize()
    detail = ""
    if event.verb in ("status_changed", "reopened") and event.field == "status":
        detail = f"{status_label(event.old_value)} → {status_label(event.new_value)}"
    elif event.verb == "created" and isinstance(event.new_value, dict):
        channel = str(event.new_value.get("channel") or "")
        detail = gettext("via %(channel)s") % {"channel": words.channel(channel)} if channel else ""
    elif event.note:
        detail = event.note
    return label, detail


def portal_timeline(ticket: Ticket) -> list[TimelineEntry]:
    """Every public message (with attachments) and every public event, oldest first.

    Three queries whatever the length of the history: messages, their attachments, events.
    Internal notes and non-public events never leave the database here.
    """
    messages = (
        customer_messages(ticket)
        .select_related("author_user", "author_customer")
        .defer("bcc")  # a reply's blind copies never reach the portal
        .prefetch_related("attachments")
        .order_by("created_at", "id")
    )
    events = AuditEvent.objects.filter(ticket_id=ticket.pk, public=True).order_by(
        "created_at", "id"
    )
    entries: list[TimelineEntry] = []
    for message in messages:
        entries.append(
            TimelineEntry(
                at=message.created_at, kind="message", message=message, order=(1, message.pk)
            )
        )
    for event in events:
        text, detail = _describe_event(event)
        # A "created" event sits before the first message written at the same instant.
        rank = 0 if event.verb == "created" else 2
        entries.append(
            TimelineEntry(
                at=event.created_at,
                kind="event",
                event=event,
                text=text,
                detail=detail,
                order=(rank, event.pk),
            )
        )
    entries.sort(key=lambda e: (e.at, e.order[0], e.order[1]))
    return entries
