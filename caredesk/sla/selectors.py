"""Reads the SLA pages share."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Q

from caredesk.accounts.models import Team, User
from caredesk.sla.models import BusinessCalendar, SlaNotification, SlaPolicy

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


def team_calendar_row(team: Team | None) -> BusinessCalendar | None:
    """The business calendar of the team's SLA policy (a team policy first, else a general
    one). One query."""
    scope = Q(team__isnull=True) | Q(team=team) if team is not None else Q(team__isnull=True)
    candidates = list(
        SlaPolicy.objects.filter(scope, is_active=True)
        .select_related("calendar")
        .order_by("order", "id")[:50]
    )
    own = [p for p in candidates if team is not None and p.team_id == team.pk]
    chosen = own or candidates
    return chosen[0].calendar if chosen else None
