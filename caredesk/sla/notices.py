"""Notices to staff about SLA warnings and breaches, through the notification center."""

from __future__ import annotations

from datetime import datetime

from caredesk.accounts.models import User
from caredesk.core.notifications import notify as core_notify
from caredesk.tickets.models import Ticket


class NoticeKind:
    WARNING = "sla_warning"
    BREACH = "sla_breach"


LABELS = {NoticeKind.WARNING: "SLA warning", NoticeKind.BREACH: "SLA breach"}


def notify(user: User | None, ticket: Ticket, kind: str, text: str, now: datetime) -> None:
    """Call inside the transaction that caused the notice."""
    status = ticket.get_status_display()
    core_notify(
        user,
        kind,
        subject=f"[{ticket.reference}] {LABELS[kind]}: {ticket.subject}",
        body=f"{text}.\n\nCase: {ticket.reference} {ticket.subject}\nStatus: {status}",
        now=now,
        ticket_id=ticket.pk,
    )
