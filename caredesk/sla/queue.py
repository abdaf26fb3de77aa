"""The fair queue: which waiting case an agent should take next.

Two keys are kept on every case that waits unassigned (see ``engine._queue_keys``):

* ``queue_aging_at``: when the case reaches its tier's maximum wait. Cases whose bound
  is past, or falls within ``CAREDESK_QUEUE_BOUND_LEAD_MINUTES`` (default 240) from now,
  are served first, earliest bound first, before any other case of any tier: a case is
  taken *before* its bound rather than after it (issue 15: under a backlog, urgency
  alone let overdue standard cases starve fresh VIP cases until those passed their own
  bound; earliest-bound-first keeps every case within its bound whenever any order can);
* ``queue_rank_at``: urgency. The nearest deadline, with the time until it scaled by
  the tier's weight (0.5 = as if half the time were left), counted from when the
  customer began waiting.

Both are indexed per team, so picking is two index probes per team the agent works in,
whatever the number of cases.

Before the queue, Next case serves the agent's own work that must not be overlooked:
each function listed in ``CAREDESK_NEXT_CASE_FIRST`` (``fn(agent, now) -> (case,
message) | None``, wired in settings so the apps above the SLA app plug in without an
upward import) may name a case, e.g. the case of a promise of the agent's that falls due
within its reminder lead time (:func:`caredesk.promises.selectors.due_promise_case`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils.module_loading import import_string

from caredesk.accounts.models import Membership, User
from caredesk.sla.calendar import require_aware
from caredesk.tickets.actions import do_assign
from caredesk.tickets.models import Ticket

MAX_CLAIM_ATTEMPTS = 5


def bound_lead() -> timedelta:
    """How long before its tier bound a waiting case is served by its bound (earliest
    first) instead of by urgency."""
    return timedelta(
        minutes=max(0, int(getattr(settings, "CAREDESK_QUEUE_BOUND_LEAD_MINUTES", 240)))
    )


FirstWork = Callable[[User, datetime], "tuple[Ticket, str] | None"]


@dataclass(frozen=True)
class NextWork:
    """What Next case hands the agent: a case and what to tell them about it."""

    ticket: Ticket | None
    message: str


@cache
def _first_work(paths: tuple[str, ...]) -> list[FirstWork]:
    return [import_string(p) for p in paths]


def first_work(agent: User, now: datetime) -> tuple[Ticket, str] | None:
    """The agent's own due work that comes before the queue (``CAREDESK_NEXT_CASE_FIRST``)."""
    for pick in _first_work(tuple(getattr(settings, "CAREDESK_NEXT_CASE_FIRST", ()))):
        found = pick(agent, now)
        if found is not None:
            return found
    return None


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
    horizon = now + bound_lead()
    aged: list[Ticket] = []
    for condition in filters:
        case = (
            Ticket.objects.filter(
                condition, queue_aging_at__isnull=False, queue_aging_at__lte=horizon
            )
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


def next_work(agent: User, now: datetime) -> NextWork:
    """Next case: the agent's own due work first (a promise falling due), else the next
    waiting case of the fair queue, assigned to them (:func:`claim_next_case`)."""
    require_aware(now, "now")
    if agent.is_agent_staff:
        first = first_work(agent, now)
        if first is not None:
            return NextWork(*first)
    ticket = _claim_from_queue(agent, now)
    if ticket is None:
        return NextWork(None, "No case is waiting for your teams right now.")
    return NextWork(ticket, f"{ticket.reference} is now yours.")


def claim_next_case(agent: User, now: datetime) -> Ticket | None:
    """The case Next case opens for ``agent`` (see :func:`next_work`)."""
    return next_work(agent, now).ticket


def _claim_from_queue(agent: User, now: datetime) -> Ticket | None:
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
