"""Reads the SLA pages share."""

from __future__ import annotations

from datetime import datetime

from caredesk.accounts.models import User
from caredesk.sla.models import SlaNotification

NOTICE_LIMIT = 100


def recent_notifications(user: User) -> list[SlaNotification]:
    return list(
        SlaNotification.objects.filter(user=user)
        .select_related("ticket")
        .order_by("-created_at", "-id")[:NOTICE_LIMIT]
    )


def unread_count(user: User) -> int:
    return SlaNotification.objects.filter(user=user, read_at__isnull=True).count()


def mark_notifications_read(user: User, now: datetime) -> int:
    """Reading one's own notices is not a case change; it is not audited."""
    return SlaNotification.objects.filter(user=user, read_at__isnull=True).update(read_at=now)
