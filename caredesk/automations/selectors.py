"""Reads the automations share: what a case looks like to the conditions, the
automations that follow an event, the dry run and the log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q, QuerySet

from caredesk.automations.conditions import Conditions, Facts, refusal
from caredesk.automations.models import Automation, Run
from caredesk.sla.calendar import Calendar
from caredesk.sla.engine import calendar_for
from caredesk.sla.selectors import team_calendar_row
from caredesk.tickets.models import OPEN_STATUSES, Ticket

DRY_RUN_LIMIT = 50
DRY_RUN_SCAN = 500  # cases read to check the conditions the database cannot


def calendar_of(ticket: Ticket) -> Calendar | None:
    """The case's business calendar: its SLA policy's, else its team's policy's."""
    if ticket.sla_policy_id is not None and ticket.sla_policy is not None:
        return calendar_for(ticket.sla_policy.calendar)
    row = team_calendar_row(ticket.team)
    return calendar_for(row) if row is not None else None


def facts(ticket: Ticket, message_text: str = "", *, with_calendar: bool = True) -> Facts:
    tier = ticket.customer.tier if ticket.customer_id else ""
    text = " ".join([ticket.subject, ticket.original_request, message_text]).lower()
    return Facts(
        channel=ticket.channel,
        team_id=ticket.team_id,
        priority=ticket.priority,
        status=ticket.status,
        tier=tier,
        tags=frozenset(ticket.tags.values_list("name", flat=True)),
        text=text,
        assigned=ticket.assignee_id is not None,
        calendar=calendar_of(ticket) if with_calendar else None,
    )


def active(trigger: str = "") -> list[Automation]:
    """The active automations in running order (of one trigger, or all)."""
    qs = Automation.objects.filter(active=True)
    if trigger:
        qs = qs.filter(trigger=trigger)
    return list(qs.order_by("position", "id"))


def listed() -> QuerySet[Automation]:
    return Automation.objects.select_related("created_by").order_by("position", "id")


def recent_runs(automation: Automation, limit: int = 50) -> list[Run]:
    return list(
        Run.objects.filter(automation=automation)
        .select_related("ticket")
        .order_by("-at", "-id")[:limit]
    )


def _candidates(cond: Conditions) -> QuerySet[Ticket]:
    """The open cases the database can tell match (every condition but the clock ones)."""
    qs = Ticket.objects.filter(status__in=cond.statuses or OPEN_STATUSES)
    if cond.statuses:
        qs = qs.filter(status__in=[s for s in cond.statuses if s in OPEN_STATUSES])
    if cond.channels:
        qs = qs.filter(channel__in=cond.channels)
    if cond.team_ids:
        qs = qs.filter(team_id__in=cond.team_ids)
    if cond.priorities:
        qs = qs.filter(priority__in=cond.priorities)
    if cond.tiers:
        standard = "standard" in cond.tiers
        tier = Q(customer__organization__tier__in=cond.tiers)
        if standard:
            tier |= Q(customer__organization__isnull=True)
        qs = qs.filter(tier)
    for tag in cond.tags_all:
        qs = qs.filter(tags__name=tag)
    if cond.tags_none:
        qs = qs.exclude(tags__name__in=cond.tags_none)
    if cond.words:
        words = Q()
        for w in cond.words:
            words |= Q(subject__icontains=w) | Q(original_request__icontains=w)
        qs = qs.filter(words)
    if cond.assigned == "yes":
        qs = qs.filter(assignee__isnull=False)
    elif cond.assigned == "no":
        qs = qs.filter(assignee__isnull=True)
    return qs.distinct()


@dataclass(frozen=True)
class DryRun:
    cases: list[Ticket]
    count: int  # open cases matching the conditions the database checks
    exact: bool  # False: the clock conditions (hours, time of day) were checked on the
    #             first DRY_RUN_SCAN only, so ``count`` is an upper bound


def dry_run(automation: Automation, now: datetime, limit: int = DRY_RUN_LIMIT) -> DryRun:
    """Which open cases would this automation's conditions match now? (First ``limit``,
    most recently updated first, and how many in all.)"""
    cond = Conditions.from_dict(automation.conditions)
    qs = _candidates(cond)
    count = qs.count()
    rows = qs.select_related("customer__organization", "team", "assignee", "sla_policy__calendar")
    rows = rows.order_by("-updated_at", "-id")
    if not cond.needs_clock:
        return DryRun(list(rows[:limit]), count, True)
    found = []
    for ticket in rows[:DRY_RUN_SCAN]:
        if refusal(cond, facts(ticket), now) is None:
            found.append(ticket)
            if len(found) == limit:
                break
    return DryRun(found, count, False)
