"""Notices to staff about promises, through the notification center (``core.notify``)."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.template.loader import render_to_string

from caredesk.accounts.models import User
from caredesk.core.notifications import notify as core_notify
from caredesk.promises.models import Promise


class NoticeKind:
    REMINDER = "promise_reminder"
    MISSED = "promise_missed"
    ESCALATED = "promise_escalated"
    HANDED_OVER = "promise_handed"


LABELS = {
    NoticeKind.REMINDER: "Promise due soon",
    NoticeKind.MISSED: "Promise missed",
    NoticeKind.ESCALATED: "Missed promise escalated to you",
    NoticeKind.HANDED_OVER: "Promise handed to you",
}


def notify(user: User | None, promise: Promise, kind: str, text: str, now: datetime) -> None:
    """Call inside the transaction that caused the notice."""
    ticket = promise.ticket
    body = render_to_string(
        "promises/notices/notice.txt",
        {"text": text, "promise": promise, "ticket": ticket, "site_url": settings.SITE_URL},
    )
    core_notify(
        user,
        kind,
        subject=f"[{ticket.reference}] {LABELS[kind]}: {ticket.subject}",
        body=body,
        now=now,
        ticket_id=ticket.pk,
        link=f"/cases/{ticket.pk}/#promise-{promise.pk}",
    )
