"""Who may manage which saved views.

* Personal views: only their owner sees and manages them.
* Team views: the team's members see them; a member who made one, the team's lead,
  and managers and admins manage it. Sharing with a team needs membership of it
  (or seeing every case).
"""

from __future__ import annotations

from caredesk.accounts.models import Membership, Team, User
from caredesk.savedviews.models import SavedView, Visibility


def may_share_with(user: User, team: Team) -> bool:
    if not user.is_agent_staff:
        return False
    if user.sees_all_cases or team.lead_id == user.pk:
        return True
    return Membership.objects.filter(team=team, user=user).exists()


def may_edit(user: User, view: SavedView) -> bool:
    if not user.is_agent_staff:
        return False
    if view.owner_id == user.pk:
        return view.visibility == Visibility.PERSONAL or (
            view.team is not None and may_share_with(user, view.team)
        )
    if view.visibility != Visibility.TEAM or view.team is None:
        return False
    return user.sees_all_cases or view.team.lead_id == user.pk
