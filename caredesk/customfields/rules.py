"""Who sees and sets which custom fields, and who defines them."""

from __future__ import annotations

from caredesk.accounts.models import Membership, Role, User
from caredesk.customfields.models import FieldDefinition


def may_define(user: User) -> bool:
    """Admins define fields (configuration, docs/adr/0011)."""
    return user.is_active and user.role == Role.ADMIN


def team_ids(user: User) -> set[int]:
    return set(Membership.objects.filter(user=user).values_list("team_id", flat=True))


def sees(user: User, definition: FieldDefinition, teams: set[int] | None) -> bool:
    """A field with no teams is everyone's; a team field is its teams' members' (and the
    managers' and admins', who see every case). ``teams`` is :func:`team_ids` of the user."""
    if not user.is_agent_staff:
        return False
    allowed = {t.pk for t in definition.teams.all()}
    if not allowed or user.sees_all_cases:
        return True
    return bool(allowed & (teams or set()))
