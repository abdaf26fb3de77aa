"""Telling admins about webhook trouble. The one place that sends them anything, so it
can move to ``caredesk.core.notifications.notify`` in one change."""

from __future__ import annotations

from datetime import datetime

from caredesk.accounts.models import Role, User
from caredesk.channels.email.outbox import enqueue_mail, render_mail


def tell_admins(subject: str, body: str, *, now: datetime) -> int:
    """Mail every active admin through the outbox (sent after commit). Returns how many."""
    admins = User.objects.filter(role=Role.ADMIN, is_active=True).exclude(email="")
    sent = 0
    for admin in admins.order_by("id"):
        text, html = render_mail(
            "", "webhooks/mail/notice.txt", {"subject": subject, "body": body, "user": admin}
        )
        enqueue_mail(
            kind="notify", to=admin.email, subject=subject, text=text, html=html, now=now, auto=True
        )
        sent += 1
    return sent
