"""Who owns an escalation or decides an approval, and by when. Reads only; no writes.

Deadlines are in business time from the case's SLA calendar (the policy on the case, else
the team's first active policy, else a team-less policy); with no calendar, 24/7.
``now`` is always passed in (house rule 5).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, Q

from caredesk.accounts.models import ROLE_LEVEL, Membership, Role, Team, User
from caredesk.escalations.models import (
    LADDER,
    ActionType,
    ApprovalStatus,
    AuthorityLimit,
    Delegation,
    EscalationStatus,
    next_role,
)
from caredesk.sla import engine
from caredesk.sla.calendar import Calendar, CalendarError, add_business_time, require_aware
from caredesk.sla.models import SlaPolicy
from caredesk.tickets.models import Ticket

DEFAULT_ESCALATION_MINUTES = 240
DEFAULT_DECISION_MINUTES = 240
DEFAULT_STEP_UP_SHARE = 0.75
DEFAULT_GROUP_MINUTES = 60


def currency() -> str:
    return str(getattr(settings, "CAREDESK_CURRENCY", "EUR"))[:3].upper()


def escalation_minutes() -> int:
    return int(getattr(settings, "CAREDESK_ESCALATION_MINUTES", DEFAULT_ESCALATION_MINUTES))


def decision_minutes() -> int:
    return int(getattr(settings, "CAREDESK_DECISION_MINUTES", DEFAULT_DECISION_MINUTES))


def step_up_share() -> float:
    """The share of a decision window after which an undecided item moves up a level
    early (``CAREDESK_DECISION_STEP_UP_SHARE``); 0 or 1 turns early step-ups off."""
    return float(getattr(settings, "CAREDESK_DECISION_STEP_UP_SHARE", DEFAULT_STEP_UP_SHARE))


def group_window() -> timedelta:
    """System escalations of one agent's cases within this window ride on one escalation."""
    minutes = int(getattr(settings, "CAREDESK_ESCALATION_GROUP_MINUTES", DEFAULT_GROUP_MINUTES))
    return timedelta(minutes=max(0, minutes))


# --- deadlines -------------------------------------------------------------------------


def calendar_for_ticket(ticket: Ticket) -> Calendar:
    policy = None
    if ticket.sla_policy_id is not None:
        policy = (
            SlaPolicy.objects.select_related("calendar").filter(pk=ticket.sla_policy_id).first()
        )
    if policy is None:
        candidates = SlaPolicy.objects.select_related("calendar").filter(is_active=True)
        policy = (
            candidates.filter(team_id=ticket.team_id).order_by("order", "id").first()
            if ticket.team_id is not None
            else None
        ) or candidates.filter(team__isnull=True).order_by("order", "id").first()
    if policy is None:
        return Calendar.always_open("UTC")
    return engine.calendar_for(policy.calendar)


def business_deadline(ticket: Ticket, now: datetime, minutes: int) -> datetime:
    require_aware(now, "now")
    try:
        return add_business_time(calendar_for_ticket(ticket), now, minutes)
    except CalendarError:
        return add_business_time(Calendar.always_open("UTC"), now, minutes)


def decision_times(
    ticket: Ticket, now: datetime, minutes: int, *, at_top: bool = False
) -> tuple[datetime, datetime | None]:
    """The decision deadline of a window of ``minutes`` business minutes from ``now``,
    and the earlier instant at which it moves up a level if still undecided (None at
    the top of the ladder, or when early step-ups are off)."""
    due = business_deadline(ticket, now, minutes)
    share = step_up_share()
    if at_top or not 0 < share < 1:
        return due, None
    early = business_deadline(ticket, now, max(1, int(minutes * share)))
    return due, early if early < due else None


# --- authority limits ------------------------------------------------------------------


def limits_for(action_type: ActionType) -> dict[str, AuthorityLimit]:
    return {row.role: row for row in AuthorityLimit.objects.filter(action_type=action_type)}


def within_limit(limits: dict[str, AuthorityLimit], role: str, amount: Decimal | None) -> bool:
    row = limits.get(role)
    return row is not None and row.covers(amount)


def required_role(
    limits: dict[str, AuthorityLimit], amount: Decimal | None, requester_role: str
) -> str | None:
    """The lowest role above the requester whose limit covers ``amount``."""
    floor = ROLE_LEVEL.get(Role(requester_role), 0) if requester_role in Role.values else 0
    for role in LADDER:
        if ROLE_LEVEL[Role(role)] > floor and within_limit(limits, role, amount):
            return role
    return None


# --- owners ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Pick:
    """The person who owns the item now, at ``role``; ``on_behalf_of`` when delegated."""

    role: str
    user: User | None
    on_behalf_of: User | None = None
    skipped: tuple[str, ...] = ()
    # Levels passed over because nobody there was working (admins are told).
    unstaffed: tuple[str, ...] = ()


def active_delegate(user: User, now: datetime) -> User | None:
    row = (
        Delegation.objects.select_related("delegate")
        .filter(delegator=user, starts_at__lte=now, ends_at__gt=now, cancelled_at__isnull=True)
        .order_by("-starts_at", "-id")
        .first()
    )
    if row is None or not row.delegate.is_agent_staff or row.delegate.is_away:
        return None
    return row.delegate


def delegators_for(user: User, now: datetime) -> list[int]:
    """Ids of the people ``user`` currently decides for."""
    return list(
        Delegation.objects.filter(
            delegate=user, starts_at__lte=now, ends_at__gt=now, cancelled_at__isnull=True
        ).values_list("delegator_id", flat=True)
    )


def _team_ids(user: User | None) -> list[int]:
    if user is None:
        return []
    return list(Membership.objects.filter(user=user).values_list("team_id", flat=True))


def _team_leads(ticket: Ticket, requester: User | None) -> list[User]:
    """The requester's own team's lead first (the case's team when they are in it)."""
    team_ids = _team_ids(requester)
    ordered: list[int] = []
    if ticket.team_id is not None and ticket.team_id in team_ids:
        ordered.append(ticket.team_id)
    ordered += [t for t in team_ids if t not in ordered]
    if ticket.team_id is not None and ticket.team_id not in ordered:
        ordered.append(ticket.team_id)
    leads: list[User] = []
    teams = {t.pk: t for t in Team.objects.select_related("lead").filter(pk__in=ordered)}
    for team_id in ordered:
        team = teams.get(team_id)
        lead = team.lead if team is not None else None
        if lead is not None and lead.is_agent_staff and lead not in leads:
            leads.append(lead)
    return leads


def _by_load(role: str, ticket: Ticket) -> list[User]:
    """Everyone of ``role``, members of the case's team first, then the least loaded."""
    qs = User.objects.filter(role=role, is_active=True).annotate(
        load=Count(
            "approvals_to_decide",
            filter=Q(approvals_to_decide__status=ApprovalStatus.PENDING),
            distinct=True,
        )
        + Count(
            "owned_escalations",
            filter=Q(owned_escalations__status=EscalationStatus.OPEN),
            distinct=True,
        )
    )
    people: list[User] = list(qs.order_by("load", "id"))
    if ticket.team_id is not None:
        members = set(
            Membership.objects.filter(team_id=ticket.team_id).values_list("user_id", flat=True)
        )
        people.sort(key=lambda u: u.pk not in members)
    return people


def candidates(role: str, ticket: Ticket, requester: User | None) -> list[User]:
    """Active staff who could own an item at ``role`` (away ones included: their
    delegate may stand in)."""
    people: list[User] = []
    if role == Role.LEAD:
        people = _team_leads(ticket, requester)
    elif role in (Role.MANAGER, Role.ADMIN):
        people = _by_load(role, ticket)
    elif role == Role.AGENT and ticket.assignee is not None:
        people = [ticket.assignee]
    return [u for u in people if u.is_agent_staff]


def is_working(user: User) -> bool:
    """Someone who can take an item now: an active staff account, not marked away."""
    return user.is_agent_staff and not user.is_away


def pick_owner(
    role: str,
    *,
    ticket: Ticket,
    requester: User | None,
    now: datetime,
    exclude: frozenset[int] = frozenset(),
) -> Pick:
    """The first working person at ``role`` or above.

    Never an inactive, away or non-staff account: someone away is replaced by their
    delegate (a Delegation row covering ``now``, itself working); away with no delegate,
    the next person at that level is asked, then the next level. A level with nobody
    working is listed in ``unstaffed`` (the caller alerts the admins); with nobody at
    any level the item has no owner (and the admins are told).
    """
    skipped: list[str] = []
    unstaffed: list[str] = []
    current: str | None = role
    while current is not None:
        listed = candidates(current, ticket, requester)
        people = [u for u in listed if u.pk not in exclude]
        for person in people:
            delegate = active_delegate(person, now)
            if delegate is not None and delegate.pk not in exclude and is_working(delegate):
                return Pick(current, delegate, person, tuple(skipped), tuple(unstaffed))
            if is_working(person):
                return Pick(current, person, None, tuple(skipped), tuple(unstaffed))
            skipped.append(f"{person.display_name} is away")
        if not people:
            skipped.append(f"no {current} available")
        if people or not listed:
            # Nobody working there (an empty level, or everyone away): not merely the
            # requester passed over for their own item.
            unstaffed.append(current)
        current = next_role(current)
    return Pick(Role.ADMIN, None, None, tuple(skipped), tuple(unstaffed))
