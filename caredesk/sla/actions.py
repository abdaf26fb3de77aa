"""Every change the SLA app makes goes through these functions (house rule 1).

* :func:`do_update_deadlines` stores what :func:`caredesk.sla.engine.plan` works out for
  some cases (their timers, the deadlines and queue keys on the case rows) and schedules
  the next alarm (the ``sla.alarm`` deadline, :mod:`caredesk.core.deadlines`) and the
  automatic assignment after commit. The SLA reaction
  (:mod:`caredesk.sla.reactions`) calls it inside the transaction of every case action
  that can move a deadline.
* :func:`do_fire_alarms` (the ``sla.alarm`` deadline's fire action) fires the warnings
  and breaches :mod:`caredesk.sla.alarms` finds due, each once, audited (the
  ``sla.breached`` event escalates the case: the escalations app reacts to it).
* :func:`do_auto_assign` gives a routed team's new case to the next agent.
* Admins edit calendars, policies and queue rules through
  :mod:`caredesk.sla.config_actions` (the Django admin pages and the API call them);
  :func:`do_calendar_changed`, :func:`do_policy_changed` and :func:`do_tier_rule_changed`
  carry an edit through to the deadlines and queue keys of the open cases it affects
  (background batches, each its own transaction, safe to retry).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import Q

from caredesk.accounts.models import User
from caredesk.core import deadlines
from caredesk.core.bulk import update_rows
from caredesk.core.effects import enqueue_after_commit
from caredesk.customers.models import Tier
from caredesk.sla import alarms, engine, honest, notices, routing, tasks
from caredesk.sla.calendar import Calendar, CalendarError, require_aware, to_snapshot
from caredesk.sla.models import (
    BusinessCalendar,
    CaseSla,
    RoutingMode,
    SlaPolicy,
    TeamRouting,
    TierRule,
)
from caredesk.tickets import actions as ticket_actions
from caredesk.tickets import audit
from caredesk.tickets.models import OPEN_STATUSES, Status, Ticket

BATCH = 500
ALARM = "sla.alarm"  # the deadline kind of ``Ticket.sla_alarm_at`` (CAREDESK_DEADLINES)


# --- deadlines ------------------------------------------------------------------------


def do_update_deadlines(
    tickets: Sequence[Ticket], now: datetime, event: engine.Event = "refresh"
) -> None:
    """Recompute and store the SLA state of ``tickets`` after ``event`` (inside the
    caller's transaction, the case rows saved and held): one read, and one write each of
    the timers and of the case rows, however many cases. Then, after commit, the alarm
    task for each case whose next alarm moved, and the automatic assignment of new cases
    of routed teams. Derived state: no audit event (the case change that moved it has one)."""
    plan = engine.plan(tickets, now, event)
    if plan.inserts:
        CaseSla.objects.bulk_create(plan.inserts)
    update_rows(plan.updates, engine.STATE_FIELDS)
    update_rows(plan.tickets, engine.TICKET_SLA_FIELDS)
    alarms_at: dict[datetime, list[int]] = {}
    for ticket in plan.tickets:
        old_alarm = plan.old_alarms[id(ticket)]
        if ticket.sla_alarm_at is not None and ticket.sla_alarm_at != old_alarm:
            alarms_at.setdefault(ticket.sla_alarm_at, []).append(ticket.pk)
        if event == "opened" and ticket.team_id is not None and ticket.assignee_id is None:
            _maybe_auto_assign(ticket)
    for at, ticket_ids in alarms_at.items():
        deadlines.schedule(ALARM, ticket_ids, at)


def _maybe_auto_assign(ticket: Ticket) -> None:
    if ticket.team_id is None:
        return
    mode = TeamRouting.objects.filter(team_id=ticket.team_id).values_list("mode", flat=True).first()
    if mode and mode != RoutingMode.OFF:
        enqueue_after_commit(tasks.auto_assign_case, ticket.pk)


def do_refresh_cases(ticket_ids: Sequence[int], now: datetime) -> int:
    """Recompute a batch of cases (after a policy or tier-rule edit) in one transaction:
    the rows locked, one plan and one write for the batch. Idempotent, so a batch retried
    after a crash, or run twice, gives the same keys. Returns the cases recomputed."""
    require_aware(now, "now")
    with transaction.atomic():
        tickets = list(
            Ticket.objects.select_for_update(of=("self",))
            .select_related("organization")
            .filter(pk__in=list(ticket_ids))
            .order_by("pk")
        )
        if tickets:
            do_update_deadlines(tickets, now, "refresh")
    return len(tickets)


# --- alarms ---------------------------------------------------------------------------


@dataclass
class Fired:
    warnings: int = 0
    breaches: int = 0

    def __bool__(self) -> bool:  # the deadline sweep counts the cases that fired
        return bool(self.warnings or self.breaches)


def _claim(ticket_id: int, flag: str) -> bool:
    """Set ``flag`` if it is not set yet; True when this call set it."""
    return CaseSla.objects.filter(pk=ticket_id, **{flag: False}).update(**{flag: True}) == 1


def do_fire_alarms(ticket_id: int, now: datetime) -> Fired:
    """Fire every warning and breach of this case that is due at ``now`` and not yet fired:
    audited, the assignee (or the lead) told; a breach tells the assignee, and its
    ``sla.breached`` event opens an escalation to the team lead
    (:mod:`caredesk.escalations.reactions`), grouped with the other breaches of the same
    agent or team queue, so the lead gets one notice per group, not one per breach."""
    require_aware(now, "now")
    fired = Fired()
    with transaction.atomic():
        ticket = (
            Ticket.objects.select_for_update(of=("self",))
            .select_related("assignee", "team__lead", "sla_policy__calendar", "customer")
            .filter(pk=ticket_id)
            .first()
        )
        if ticket is None:
            return fired
        state = CaseSla.objects.filter(pk=ticket_id).first()
        policy = ticket.sla_policy
        try:
            cal = engine.calendar_for(policy.calendar) if policy and state else None
        except CalendarError:
            cal = None  # the recompute below logs it and takes the SLA off the case
        if state is None or policy is None or cal is None:
            # Nothing to fire: recompute, which moves or clears the alarm (the deadline
            # sweep would otherwise find the case due again every minute).
            do_update_deadlines([ticket], now, "refresh")
            return fired
        schedule = engine.schedule(state, cal, policy.warn_at_percent)
        lead = ticket.team.lead if ticket.team is not None else None
        for due in alarms.due_now(state, schedule, now):
            kind, name = due.kind, due.target
            if not due.breach:
                if not _claim(ticket_id, f"{kind}_warned"):
                    continue
                setattr(state, f"{kind}_warned", True)
                fired.warnings += 1
                audit.record(
                    ticket,
                    None,
                    "sla_warning",
                    now=now,
                    field=kind,
                    new={"target": name, "due": due.due.isoformat() if due.due else None},
                )
                notices.notify(
                    ticket.assignee or lead,
                    ticket,
                    notices.NoticeKind.WARNING,
                    f"{ticket.reference}: {policy.warn_at_percent}% of the {name} time is used",
                    now,
                )
                continue
            if due.due is None or not _claim(ticket_id, f"{kind}_breached"):
                continue
            setattr(state, f"{kind}_warned", True)
            setattr(state, f"{kind}_breached", True)
            CaseSla.objects.filter(pk=ticket_id).update(**{f"{kind}_warned": True})
            fired.breaches += 1
            # The escalations app reacts to this event: an owner and a decision deadline.
            audit.record(
                ticket,
                None,
                "sla_breached",
                now=now,
                field=kind,
                old={"assignee": ticket.assignee.display_name if ticket.assignee else None},
                new={
                    "target": name,
                    "due": due.due.isoformat(),
                    "escalated_to": lead.display_name if lead else None,
                },
                public=False,
            )
            # The lead hears of it through the escalation (one notice per group of
            # breaches, caredesk.escalations.actions.group), not once per breach here.
            if ticket.assignee is not None and ticket.assignee != lead:
                notices.notify(
                    ticket.assignee,
                    ticket,
                    notices.NoticeKind.BREACH,
                    f"{ticket.reference}: the {name} target was missed",
                    now,
                )
            honest.send_breach_update(ticket, policy, kind, due.due, lead, now)
        do_update_deadlines([ticket], now, "refresh")
    return fired


# --- automatic assignment --------------------------------------------------------------


def do_auto_assign(ticket_id: int, now: datetime) -> User | None:
    """Assign a new, still unassigned case of a routed team. Safe to run twice."""
    with transaction.atomic():
        ticket = Ticket.objects.select_for_update().filter(pk=ticket_id).first()
        if (
            ticket is None
            or ticket.assignee_id is not None
            or ticket.team_id is None
            or ticket.status not in (Status.NEW, Status.OPEN, Status.WAITING_US)
        ):
            return None
        routing_row = (
            TeamRouting.objects.select_for_update(of=("self",))
            .select_related("team")
            .filter(team_id=ticket.team_id)
            .first()
        )
        if routing_row is None or routing_row.mode == RoutingMode.OFF:
            return None
        agent = routing.pick_agent(routing_row)
        if agent is None:
            return None
        ticket_actions.do_assign(ticket, actor=None, assignee=agent, team=routing_row.team, now=now)
        routing_row.last_assigned = agent
        routing_row.save(update_fields=["last_assigned"])
        return agent


# --- configuration edits ----------------------------------------------------------------


def do_calendar_changed(
    calendar: BusinessCalendar, old: Calendar | None, *, actor: User | None, now: datetime
) -> int:
    """After an edit of ``calendar`` (hours, closed dates, holidays, time zone): time
    already spent on open cases stays counted under the ``old`` hours; the rest of each
    deadline, and each waiting case's tier bound, follows the new ones.

    The edit is audited here; the open cases on the calendar are recomputed by the
    ``recompute_calendar_cases`` task, in batches of :data:`BATCH`, each batch in its own
    transaction (:func:`do_recompute_calendar_cases`). Returns the cases to update."""
    require_aware(now, "now")
    with transaction.atomic():
        BusinessCalendar.objects.filter(pk=calendar.pk).update(updated_at=now)
        calendar.refresh_from_db(fields=["updated_at"])
        ids = list(
            CaseSla.objects.filter(policy__calendar=calendar, ticket__status__in=OPEN_STATUSES)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        audit.record(
            None,
            actor,
            "sla_calendar_changed",
            now=now,
            new={"calendar": calendar.name, "open_cases_updated": len(ids)},
        )
        snapshot = to_snapshot(old) if old is not None else None
        for start in range(0, len(ids), BATCH):
            batch = ids[start : start + BATCH]
            enqueue_after_commit(tasks.recompute_calendar_cases, batch, snapshot, now.isoformat())
    return len(ids)


def do_recompute_calendar_cases(
    ticket_ids: Sequence[int], old: Calendar | None, edited_at: datetime, now: datetime
) -> int:
    """Carry a calendar edit made at ``edited_at`` through to a batch of open cases, in
    one transaction: each running timer counts the time spent up to the edit under the
    ``old`` calendar, then deadlines and queue keys are worked out on the new one.

    Progress-safe: a timer already rebased to the edit (its anchor at or after
    ``edited_at``) is left alone, so a batch that is retried, or runs twice, changes
    nothing more; batches that committed before a crash stay done."""
    require_aware(edited_at, "edited_at")
    require_aware(now, "now")
    with transaction.atomic():
        tickets = list(
            Ticket.objects.select_for_update(of=("self",))
            .select_related("organization")
            .filter(pk__in=list(ticket_ids), status__in=OPEN_STATUSES)
            .order_by("pk")
        )
        if not tickets:
            return 0
        if old is not None:
            states = CaseSla.objects.in_bulk([t.pk for t in tickets])
            for state in states.values():
                for kind in engine.TARGETS:
                    timer = engine.get_timer(state, kind)
                    if timer is not None:
                        engine.set_timer(state, kind, timer.rebase(old, edited_at))
            update_rows(list(states.values()), engine.STATE_FIELDS)
        do_update_deadlines(tickets, now, "refresh")
    return len(tickets)


def do_tier_rule_changed(tier: str, *, actor: User | None, now: datetime) -> int:
    """After a tier rule of ``tier`` was added, edited or deleted: audited, and the queue
    keys of that tier's waiting cases recomputed by the ``refresh_cases`` task in batches
    of :data:`BATCH` (:func:`do_refresh_cases`). Returns the cases to update."""
    require_aware(now, "now")
    rule = TierRule.objects.filter(tier=tier).first()
    qs = Ticket.objects.filter(
        status__in=OPEN_STATUSES, assignee__isnull=True, queue_rank_at__isnull=False
    )
    in_tier = Q(organization__tier=tier)
    if tier == Tier.STANDARD:
        in_tier |= Q(organization__isnull=True)
    ids = list(qs.filter(in_tier).order_by("pk").values_list("pk", flat=True))
    with transaction.atomic():
        audit.record(
            None,
            actor,
            "sla_tier_rule_changed",
            now=now,
            new={
                "tier": tier,
                "weight": rule.weight if rule else None,
                "max_wait": rule.bound_label if rule else None,
                "waiting_cases": len(ids),
            },
        )
        for start in range(0, len(ids), BATCH):
            enqueue_after_commit(tasks.refresh_cases, ids[start : start + BATCH])
    return len(ids)


def do_policy_changed(policy: SlaPolicy | None, *, actor: User | None, now: datetime) -> int:
    """After a policy edit: recompute the open cases on it, in background batches.

    ``policy=None`` (a new policy, or changed conditions, order or activity) recomputes
    every open case, since which policy matches it may have changed."""
    qs = Ticket.objects.filter(status__in=OPEN_STATUSES)
    if policy is not None:
        qs = qs.filter(sla_policy=policy)
    ids = list(qs.values_list("pk", flat=True))
    with transaction.atomic():
        audit.record(
            None,
            actor,
            "sla_policy_changed",
            now=now,
            new={"policy": policy.name if policy else None, "open_cases": len(ids)},
        )
        for start in range(0, len(ids), BATCH):
            enqueue_after_commit(tasks.refresh_cases, ids[start : start + BATCH])
    return len(ids)
