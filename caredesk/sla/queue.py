"""The fair queue: which waiting case an agent should take next.

Two keys are kept on every case that waits unassigned (see ``engine._queue_keys``):

* ``queue_aging_at``: when the case reaches its tier's maximum wait. Cases past it are
  served first, oldest bound first, before any newer case of any tier;
* ``queue_rank_at``: urgency. The nearest deadline, with the time until it scaled by
  the tier's weight (0.5 = as if half the time were left), counted from when the
  customer began waiting.

Both are indexed per team, so picking is two index probes per team the agent works in,
whatever the number of cases.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.db.models import Q

from caredesk.accounts.models import Membership, User
from caredesk.sla.calendar import require_aware
from caredesk.tickets.actions import do_assign
from caredesk.tickets.models import Ticket

MAX_CLAIM_ATTEMPTS = 5


def _team_filters(agent: User) -> list[Q]:
    team_ids = list(
        Membership.objects.filter(user_id=agent.pk)
        .order_by("team_id")
        .values_list("team_id", flat=True)
    )
    return [Q(team_id=pk) for pk in team_ids] + [Q(team__isnull=True)]


def next_case_for(agent: User, now: datetime) -> Ticket | None:
    """The case ``agent`` should take next, or None when nothing waits for them."""
    require_aware(now, "now")
    if not agent.is_agent_staff:
        return None
    filters = _team_filters(agent)
    aged: list[Ticket] = []
    for condition in filters:
        case = (
            Ticket.objects.filter(condition, queue_aging_at__isnull=False, queue_aging_at__lte=now)
            .order_by("queue_aging_at", "pk")
            .first()
        )
        if case is not None:
            aged.append(case)
    if aged:
        return min(aged, key=lambda t: (t.queue_aging_at, t.pk))
    ranked: list[Ticket] = []
    for condition in filters:
        case = (
            Ticket.objects.filter(condition, queue_rank_at__isnull=False)
            .order_by("queue_rank_at", "pk")
            .first()
        )
        if case is not None:
            ranked.append(case)
    if ranked:
        return min(ranked, key=lambda t: (t.queue_rank_at, t.pk))
    return None


def claim_next_case(agent: User, now: datetime) -> Ticket | None:
    """Assign the next case to ``agent`` (through ``do_assign``) and return it.

    Two agents asking at once never get the same case: the row is locked (skipping rows
    another agent holds) and re-checked before assignment.
    """
    for _ in range(MAX_CLAIM_ATTEMPTS):
        candidate = next_case_for(agent, now)
        if candidate is None:
            return None
        with transaction.atomic():
            locked = (
                Ticket.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("team")
                .filter(pk=candidate.pk, assignee__isnull=True, queue_rank_at__isnull=False)
                .first()
            )
            if locked is None:
                continue
            return do_assign(locked, actor=agent, assignee=agent, team=locked.team, now=now)
    return None
