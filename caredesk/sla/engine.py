"""The SLA engine: works out each case's deadlines, alarm time and queue keys.

A planner: :func:`plan` reads the case rows it is given (in memory), their timers and the
active policies, and sets the derived fields on the objects; it writes nothing.
:func:`caredesk.sla.actions.do_update_deadlines` stores a plan and schedules what follows.
That action runs from the SLA reaction to the case events (open, customer message,
reply, status, priority, owner: :mod:`caredesk.sla.reactions`), inside the transaction of
the case action, and from the SLA app's own actions (alarms, policy and calendar edits).
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal

from caredesk.customers.models import Organization, Tier
from caredesk.sla.calendar import Calendar, CalendarError, add_business_seconds, require_aware
from caredesk.sla.models import BoundClock, BusinessCalendar, CaseSla, SlaPolicy, TierRule
from caredesk.sla.timers import Timer
from caredesk.tickets.models import Status, Ticket

log = logging.getLogger(__name__)

Event = Literal["opened", "customer_message", "reply", "status", "priority", "assigned", "refresh"]
TARGETS = ("frt", "nrt", "res")
TARGET_NAMES = {"frt": "first response", "nrt": "next response", "res": "resolution"}
# Cases paused: waiting on the customer. Stopped: resolved or closed (resumes on reopen).
PAUSED_STATUSES = (Status.WAITING_CUSTOMER,)
STOPPED_STATUSES = (Status.RESOLVED, Status.CLOSED, Status.MERGED)
QUEUED_STATUSES = (Status.NEW, Status.OPEN, Status.WAITING_US)
# A queued case without any deadline ranks as if due this long after it began waiting.
NO_DEADLINE_RANK = timedelta(days=3)

TICKET_SLA_FIELDS = (
    "sla_policy",
    "first_response_due_at",
    "next_response_due_at",
    "resolution_due_at",
    "next_deadline_at",
    "sla_alarm_at",
    "sla_paused_at",
    "sla_paused_minutes",
    "sla_warned",
    "sla_breached",
    "queue_rank_at",
    "queue_aging_at",
)

# --- calendars, cached by (id, updated_at): edits bump updated_at ---------------------

_calendar_cache: OrderedDict[tuple[int, datetime], Calendar] = OrderedDict()


def calendar_for(row: BusinessCalendar) -> Calendar:
    key = (row.pk, row.updated_at)
    cal = _calendar_cache.get(key)
    if cal is None:
        cal = row.to_calendar()
        _calendar_cache[key] = cal
        while len(_calendar_cache) > 64:
            _calendar_cache.popitem(last=False)
    return cal


# --- lookups read once per plan ---------------------------------------------------------


@dataclass
class Lookups:
    """The active policies (in order) and the tier rules, read once for a whole plan
    however many cases it holds. The tier rules are read only if a case needs them."""

    policies: list[SlaPolicy]
    _rules: dict[str, TierRule] | None = field(default=None, repr=False)

    @classmethod
    def read(cls) -> Lookups:
        return cls(list(SlaPolicy.objects.filter(is_active=True).select_related("calendar")))

    def tier_rule(self, tier: str) -> TierRule | None:
        if self._rules is None:
            self._rules = {rule.tier: rule for rule in TierRule.objects.all()}
        return self._rules.get(tier)


# --- policy matching ------------------------------------------------------------------


def match_policy(ticket: Ticket, tier: str, policies: Sequence[SlaPolicy]) -> SlaPolicy | None:
    """The first active policy (by order) whose conditions all hold for this case."""
    for policy in policies:
        if policy.matches(
            team_id=ticket.team_id, priority=ticket.priority, tier=tier, channel=ticket.channel
        ):
            return policy
    return None


def _budget(minutes: int | None) -> int | None:
    return minutes * 60 if minutes else None


def _policy_budgets(policy: SlaPolicy) -> dict[str, int | None]:
    return {
        "frt": _budget(policy.first_response_minutes),
        "nrt": _budget(policy.next_response_minutes),
        "res": _budget(policy.resolution_minutes),
    }


# --- timers stored on CaseSla ---------------------------------------------------------


def get_timer(state: CaseSla, kind: str) -> Timer | None:
    budget = getattr(state, f"{kind}_budget")
    if budget is None:
        return None
    return Timer(
        budget=budget, left=getattr(state, f"{kind}_left"), anchor=getattr(state, f"{kind}_anchor")
    )


def set_timer(state: CaseSla, kind: str, timer: Timer | None, *, reset_flags: bool = False) -> None:
    setattr(state, f"{kind}_budget", timer.budget if timer else None)
    setattr(state, f"{kind}_left", timer.left if timer else None)
    setattr(state, f"{kind}_anchor", timer.anchor if timer else None)
    if reset_flags:
        setattr(state, f"{kind}_warned", False)
        setattr(state, f"{kind}_breached", False)


@dataclass(frozen=True)
class Schedule:
    """What the case row shows, derived from the timers."""

    dues: dict[str, datetime | None]
    warns: dict[str, datetime | None]
    next_deadline_at: datetime | None
    alarm_at: datetime | None


def schedule(state: CaseSla, cal: Calendar, warn_percent: int) -> Schedule:
    dues: dict[str, datetime | None] = {}
    warns: dict[str, datetime | None] = {}
    alarms: list[datetime] = []
    for kind in TARGETS:
        timer = get_timer(state, kind)
        due = timer.due(cal) if timer else None
        warn = timer.warn_at(cal, warn_percent) if timer else None
        dues[kind], warns[kind] = due, warn
        if warn is not None and not getattr(state, f"{kind}_warned"):
            alarms.append(warn)
        if due is not None and not getattr(state, f"{kind}_breached"):
            alarms.append(due)
    running = [d for d in dues.values() if d is not None]
    return Schedule(
        dues=dues,
        warns=warns,
        next_deadline_at=min(running) if running else None,
        alarm_at=min(alarms) if alarms else None,
    )


# --- the hook -------------------------------------------------------------------------


@dataclass
class Plan:
    """Recomputed SLA state of some cases, held in memory until :func:`write`."""

    event: Event
    tickets: list[Ticket]
    inserts: list[CaseSla]
    updates: list[CaseSla]
    old_alarms: dict[int, datetime | None]


STATE_FIELDS = tuple(f.name for f in CaseSla._meta.concrete_fields if not f.primary_key)


def _tiers(tickets: Sequence[Ticket]) -> dict[int, str]:
    """The tier of each case's organization (by the ticket object's id), in one query."""
    tiers: dict[int, str] = {}
    unknown: set[int] = set()
    for ticket in tickets:
        org_id: int | None = ticket.organization_id
        if org_id is None:
            tiers[id(ticket)] = str(Tier.STANDARD)
        elif Ticket.organization.is_cached(ticket) and ticket.organization is not None:
            tiers[id(ticket)] = ticket.organization.tier
        else:
            unknown.add(org_id)
    if unknown:
        found = dict(Organization.objects.filter(pk__in=unknown).values_list("pk", "tier"))
        for ticket in tickets:
            if id(ticket) not in tiers:
                tiers[id(ticket)] = found.get(ticket.organization_id or 0) or str(Tier.STANDARD)
    return tiers


def plan(tickets: Sequence[Ticket], now: datetime, event: Event = "refresh") -> Plan:
    """Work out the SLA state of ``tickets`` after ``event`` and set the derived fields on
    the ticket objects; nothing is written. For ``opened`` the tickets may be unsaved."""
    require_aware(now, "now")
    tickets = list(tickets)
    tiers = _tiers(tickets)
    lookups = Lookups.read()
    # A case being opened cannot have a row yet (nobody else sees it): don't probe.
    states: dict[int, CaseSla] = (
        {} if event == "opened" else CaseSla.objects.in_bulk([t.pk for t in tickets])
    )
    result = Plan(event, tickets, [], [], {})
    for ticket in tickets:
        tier = tiers[id(ticket)]
        policy = match_policy(ticket, tier, lookups.policies)
        pk: int | None = ticket.pk
        state = states.get(pk) if pk is not None else None
        result.old_alarms[id(ticket)] = ticket.sla_alarm_at
        if policy is None and state is None:
            _derive(ticket, None, None, None, tier, now, lookups)
            continue
        if state is None:
            state = CaseSla(ticket=ticket)
            result.inserts.append(state)
        else:
            result.updates.append(state)
        try:
            cal = calendar_for(policy.calendar) if policy else None
        except CalendarError:
            log.exception("calendar of policy %s is unusable", policy)
            cal = None
        if policy is None or cal is None:
            # No policy applies any more: the case has no SLA (history stays in the audit log).
            for kind in TARGETS:
                set_timer(state, kind, None, reset_flags=True)
            state.policy = None
            policy = None
        else:
            _advance(ticket, state, policy, cal, now, event)
            state.policy = policy
        state.updated_at = now
        _derive(ticket, state, policy, cal, tier, now, lookups)
    return result


def _advance(
    ticket: Ticket, state: CaseSla, policy: SlaPolicy, cal: Calendar, now: datetime, event: Event
) -> None:
    """Move the timers of ``state`` to reflect the case as it is now."""
    budgets = _policy_budgets(policy)
    new_case = state.frt_budget is None and state.res_budget is None and state.nrt_budget is None
    if new_case and state.policy_id is None:
        start = ticket.created_at
        if budgets["frt"] and ticket.first_response_at is None:
            set_timer(state, "frt", Timer.start(budgets["frt"], start), reset_flags=True)
        if budgets["res"]:
            set_timer(state, "res", Timer.start(budgets["res"], start), reset_flags=True)
    else:
        # The policy or its targets may have changed: keep time spent, apply new targets.
        for kind in TARGETS:
            timer = get_timer(state, kind)
            if timer is not None and budgets[kind] is None:
                set_timer(state, kind, None, reset_flags=True)
            elif timer is not None and budgets[kind] != timer.budget:
                set_timer(state, kind, timer.with_budget(budgets[kind] or 0))
    if event == "reply":
        set_timer(state, "frt", None)
        set_timer(state, "nrt", None, reset_flags=True)
    elif (
        event == "customer_message"
        and ticket.first_response_at is not None
        and budgets["nrt"]
        and get_timer(state, "nrt") is None
    ):
        set_timer(state, "nrt", Timer.start(budgets["nrt"], now), reset_flags=True)
    if ticket.first_response_at is not None and get_timer(state, "frt") is not None:
        set_timer(state, "frt", None)
    running = ticket.status not in PAUSED_STATUSES and ticket.status not in STOPPED_STATUSES
    for kind in TARGETS:
        timer = get_timer(state, kind)
        if timer is None:
            continue
        set_timer(state, kind, timer.resume(now) if running else timer.pause(cal, now))


def tier_bound_at(
    waiting_since: datetime, rule: TierRule | None, cal: Calendar | None
) -> datetime | None:
    """When a case waiting since ``waiting_since`` reaches its tier's maximum wait.

    In business time of ``cal`` (the case's calendar, the one its SLA targets count on),
    with the same arithmetic as the targets; round the clock for a 24/7 tier rule, or
    when the case has no calendar (no SLA policy applies to it)."""
    if rule is None or not rule.max_wait_minutes:
        return None
    seconds = rule.max_wait_minutes * 60
    if rule.bound_clock == BoundClock.BUSINESS and cal is not None:
        try:
            return add_business_seconds(cal, waiting_since, seconds)
        except CalendarError:
            log.exception("calendar cannot place the tier bound of %s", rule)
    return waiting_since + timedelta(seconds=seconds)


def _queue_keys(
    ticket: Ticket,
    next_deadline: datetime | None,
    tier: str,
    cal: Calendar | None,
    lookups: Lookups,
) -> tuple[datetime | None, datetime | None]:
    if ticket.assignee_id is not None or ticket.status not in QUEUED_STATUSES:
        return None, None
    rule = lookups.tier_rule(tier)
    weight = rule.weight if rule else 1.0
    waiting_since = ticket.last_customer_message_at or ticket.created_at
    target = next_deadline or waiting_since + NO_DEADLINE_RANK
    rank = waiting_since + (target - waiting_since) * weight if target > waiting_since else target
    return rank, tier_bound_at(waiting_since, rule, cal)


def _derive(
    ticket: Ticket,
    state: CaseSla | None,
    policy: SlaPolicy | None,
    cal: Calendar | None,
    tier: str,
    now: datetime,
    lookups: Lookups,
) -> None:
    """Set the case row's SLA fields (deadlines, alarm, pause, queue keys) from ``state``."""
    if state is not None and policy is not None and cal is not None:
        plan = schedule(state, cal, policy.warn_at_percent)
        ticket.first_response_due_at = plan.dues["frt"]
        ticket.next_response_due_at = plan.dues["nrt"]
        ticket.resolution_due_at = plan.dues["res"]
        ticket.next_deadline_at = plan.next_deadline_at
        ticket.sla_alarm_at = plan.alarm_at
        ticket.sla_warned = any(
            getattr(state, f"{k}_warned") and plan.dues[k] is not None for k in TARGETS
        )
        ticket.sla_breached = ticket.sla_breached or any(
            getattr(state, f"{k}_breached") for k in TARGETS
        )
    else:
        ticket.first_response_due_at = ticket.next_response_due_at = None
        ticket.resolution_due_at = ticket.next_deadline_at = ticket.sla_alarm_at = None
        ticket.sla_warned = False
    ticket.sla_policy = policy
    # Paused time: shown on the case while it waits on the customer.
    if ticket.status in PAUSED_STATUSES and policy is not None:
        if ticket.sla_paused_at is None:
            ticket.sla_paused_at = now
    elif ticket.sla_paused_at is not None:
        ticket.sla_paused_minutes += max(0, int((now - ticket.sla_paused_at).total_seconds()) // 60)
        ticket.sla_paused_at = None
    ticket.queue_rank_at, ticket.queue_aging_at = _queue_keys(
        ticket, ticket.next_deadline_at, tier, cal if policy is not None else None, lookups
    )
