"""Reads about staff that pages of several apps share."""

from __future__ import annotations

from django.db.models import Prefetch

from caredesk.accounts.models import STAFF_ROLES, Team, User


def assignable_staff() -> list[User]:
    """Active staff with their teams (by name), by name: who a case or a form can name."""
    return list(
        User.objects.filter(is_active=True, role__in=STAFF_ROLES)
        .prefetch_related(Prefetch("teams", queryset=Team.objects.order_by("name")))
        .order_by("name", "id")
    )
