"""Reads the SLA pages share."""

from __future__ import annotations

from django.db.models import Q

from caredesk.accounts.models import Team
from caredesk.sla.models import BusinessCalendar, SlaPolicy


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
