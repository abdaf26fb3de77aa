"""Automatic assignment of a team's new cases: round robin or least loaded.

Agents who are away, inactive, or at their capacity of open cases are skipped. When
nobody is available the case stays unassigned and waits in the fair queue. This module
picks; :func:`caredesk.sla.actions.do_auto_assign` assigns.
"""

from __future__ import annotations

from django.db.models import Count

from caredesk.accounts.models import STAFF_ROLES, User
from caredesk.sla.models import DEFAULT_CAPACITY, AgentCapacity, RoutingMode, TeamRouting
from caredesk.tickets.models import OPEN_STATUSES, Ticket


def available_agents(team_id: int) -> list[tuple[User, int, int]]:
    """(agent, open cases, capacity) for team members who can take a case now, by id."""
    members = list(
        User.objects.filter(
            membership__team_id=team_id, is_active=True, is_away=False, role__in=STAFF_ROLES
        ).order_by("pk")
    )
    if not members:
        return []
    ids = [m.pk for m in members]
    loads = dict(
        Ticket.objects.filter(assignee_id__in=ids, status__in=OPEN_STATUSES)
        .values_list("assignee_id")
        .annotate(n=Count("id"))
        .values_list("assignee_id", "n")
    )
    caps = dict(
        AgentCapacity.objects.filter(user_id__in=ids).values_list("user_id", "max_open_cases")
    )
    result = []
    for member in members:
        load, cap = loads.get(member.pk, 0), caps.get(member.pk, DEFAULT_CAPACITY)
        if load < cap:
            result.append((member, load, cap))
    return result


def pick_agent(routing: TeamRouting) -> User | None:
    candidates = available_agents(routing.team_id)
    if not candidates:
        return None
    if routing.mode == RoutingMode.LEAST_LOADED:
        return min(candidates, key=lambda c: (c[1] / max(c[2], 1), c[1], c[0].pk))[0]
    last = routing.last_assigned_id or 0
    after = [c for c in candidates if c[0].pk > last]
    return (after or candidates)[0][0]
