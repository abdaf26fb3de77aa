"""Telling admins about webhook trouble, through the one notification mechanism."""

from __future__ import annotations

from datetime import datetime

from caredesk.accounts.models import Role, User
from caredesk.core.notifications import notify


def tell_admins(subject: str, body: str, *, now: datetime) -> int:
    """Notify every active admin (in the center, and by mail as each prefers). Call inside
    the action's transaction. Returns how many were told."""
    told = 0
    for admin in User.objects.filter(role=Role.ADMIN, is_active=True).order_by("id"):
        if notify(
            admin, "webhook_disabled", subject=subject, body=body, now=now, link="/admin/webhooks/"
        ):
            told += 1
    return told
