"""Who may use and who may manage which macros.

* Personal macros: only their owner uses and manages them.
* Team macros: the team's members use them; admins and managers manage every team's,
  leads those of the teams they lead or belong to.
* Global macros: every agent uses them; leads, managers and admins manage them.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from caredesk.accounts.models import ROLE_LEVEL, Membership, Role, Team, User
from caredesk.macros.models import Macro, Scope


def _my_team_ids(user: User) -> QuerySet[Membership, int]:
    return Membership.objects.filter(user_id=user.pk).values_list("team_id", flat=True)


def can_manage(user: User, scope: str, team: Team | None) -> bool:
    """May ``user`` create or change a macro of this scope (and team)?"""
    if not user.is_agent_staff:
        return False
    if scope == Scope.PERSONAL:
        return True
    if user.level < ROLE_LEVEL[Role.LEAD]:
        return False
    if scope == Scope.GLOBAL:
        return True
    if team is None:
        return False
    if user.sees_all_cases:
        return True
    return team.lead_id == user.pk or Membership.objects.filter(team=team, user=user).exists()


def may_edit(user: User, macro: Macro) -> bool:
    if macro.scope == Scope.PERSONAL:
        return user.is_agent_staff and macro.owner_id == user.pk
    return can_manage(user, macro.scope, macro.team)


def usable_macros(user: User, *, with_inactive: bool = False) -> QuerySet[Macro]:
    """The active macros ``user`` may apply (the reply box picker); ``with_inactive``:
    also those switched off (so applying one can say so)."""
    if not user.is_agent_staff:
        return Macro.objects.none()
    qs = Macro.objects.filter(
        Q(scope=Scope.GLOBAL)
        | Q(scope=Scope.TEAM, team_id__in=_my_team_ids(user))
        | Q(scope=Scope.PERSONAL, owner_id=user.pk)
    )
    if not with_inactive:
        qs = qs.filter(active=True)
    return qs.select_related("team", "set_team", "set_assignee")


def listed_macros(user: User) -> QuerySet[Macro]:
    """What the management page lists for ``user``: what they use, and what they manage
    (switched-off ones too)."""
    if not user.is_agent_staff:
        return Macro.objects.none()
    teams = Q(scope=Scope.TEAM)
    if not user.sees_all_cases:
        teams &= Q(team_id__in=_my_team_ids(user)) | Q(team__lead_id=user.pk)
    return Macro.objects.filter(
        Q(scope=Scope.GLOBAL) | teams | Q(scope=Scope.PERSONAL, owner_id=user.pk)
    ).select_related("team", "owner", "set_team", "set_assignee")
