"""Notices to staff about SLA warnings and breaches: a row they see, and a mail after commit."""

from __future__ import annotations

from datetime import datetime

from caredesk.accounts.models import User
from caredesk.core.effects import enqueue_after_commit
from caredesk.sla import tasks
from caredesk.sla.models import SlaNotification
from caredesk.tickets.models import Ticket


def notify(user: User | None, ticket: Ticket, kind: str, text: str, now: datetime) -> None:
    """Call inside the transaction that caused the notice."""
    if user is None or not user.is_active:
        return
    notice = SlaNotification.objects.create(
        user=user, ticket=ticket, kind=kind, text=text[:300], created_at=now
    )
    enqueue_after_commit(tasks.send_sla_notice, notice.pk)
