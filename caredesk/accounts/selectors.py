"""Reads about staff that pages of several apps share."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from caredesk.accounts.models import STAFF_ROLES, ApiToken, Role, Team, User


def assignable_staff() -> list[User]:
    """Active staff with their teams (by name), by name: who a case or a form can name."""
    return list(
        User.objects.filter(is_active=True, role__in=STAFF_ROLES)
        .prefetch_related(Prefetch("teams", queryset=Team.objects.order_by("name")))
        .order_by("name", "id")
    )


def visible_tokens(viewer: User) -> QuerySet[ApiToken]:
    """API token metadata a person may list: admins every token, everyone else their own
    (never the secret: only its hash is stored)."""
    rows = ApiToken.objects.select_related("user").order_by("-created_at", "-id")
    if viewer.is_agent_staff and viewer.role == Role.ADMIN:
        return rows
    return rows.filter(user=viewer)
