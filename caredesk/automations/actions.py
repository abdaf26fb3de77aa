"""Every change to automations goes through one of these functions (house rule 1).

Managing an automation is audited with ``core.audit`` (it is not about a case). A run
is audited on the case (``automation_ran``, event ``automation.ran``) after each of its
changes was made — and audited under the automation's name — by the owning app's
action. Time automations keep one :class:`Timer` row per case in the watched state;
``core.deadlines`` fires it once (``automation.timer``).
"""

from __future__ import annotations

import logging
from dataclasses import asdict
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import F, Max

from caredesk.accounts.models import User
from caredesk.automations import chain, rules, selectors, steps, timing
from caredesk.automations.conditions import Conditions, refusal
from caredesk.automations.models import Automation, Outcome, Run, Timer, Trigger
from caredesk.automations.validation import AutomationData, check
from caredesk.core import audit as core_audit
from caredesk.core import deadlines
from caredesk.core.acting import acting_as
from caredesk.core.clock import require_aware
from caredesk.core.errors import DomainError, NotFound, PermissionDenied
from caredesk.sla.calendar import CalendarError
from caredesk.tickets import audit
from caredesk.tickets.models import Ticket

DEADLINE = "automation.timer"
FAILED = "It failed unexpectedly; the error is in the server log."
log = logging.getLogger(__name__)


def _snapshot(a: Automation) -> dict[str, Any]:
    return {
        "name": a.name,
        "position": a.position,
        "active": a.active,
        "trigger": a.trigger,
        "events": list(a.events),
        "time_state": a.time_state,
        "time_status": a.time_status,
        "time_minutes": a.time_minutes,
        "time_business": a.time_business,
        "conditions": dict(a.conditions),
        "actions": list(a.actions),
    }


def _require(actor: User) -> None:
    if not rules.can_manage(actor):
        raise PermissionDenied(rules.REFUSED)


def _locked(automation_id: int) -> Automation:
    found = Automation.objects.select_for_update().filter(pk=automation_id).first()
    if found is None:
        raise NotFound("No such automation.")
    return found


def do_create_automation(*, actor: User, data: AutomationData, now: datetime) -> Automation:
    _require(actor)
    data = check(data)
    with transaction.atomic():
        last = Automation.objects.aggregate(m=Max("position"))["m"]
        automation = Automation(
            **asdict(data),
            position=(last or 0) + 1,
            created_by=actor,
            created_at=now,
            updated_at=now,
        )
        automation.save()
        core_audit.record(
            "automation.created",
            actor=actor,
            now=now,
            field="automation",
            new={"id": automation.pk, **_snapshot(automation)},
        )
    return automation


def do_update_automation(
    *, actor: User, automation: Automation, data: AutomationData, now: datetime
) -> Automation:
    _require(actor)
    data = check(data)
    with transaction.atomic():
        automation = _locked(automation.pk)
        old = _snapshot(automation)
        for name, value in asdict(data).items():
            setattr(automation, name, value)
        automation.updated_at = now
        automation.save()
        if not automation.active or automation.trigger != Trigger.TIME:
            Timer.objects.filter(automation=automation).delete()  # nothing left to time
        new = _snapshot(automation)
        changed = {k: v for k, v in new.items() if old[k] != v}
        if changed:
            core_audit.record(
                "automation.updated",
                actor=actor,
                now=now,
                field="automation",
                old={"id": automation.pk, **{k: old[k] for k in changed}},
                new={"id": automation.pk, **changed},
            )
    return automation


def do_set_automation_active(
    *, actor: User, automation: Automation, active: bool, now: datetime
) -> Automation:
    _require(actor)
    with transaction.atomic():
        automation = _locked(automation.pk)
        if automation.active == active:
            return automation
        automation.active = active
        automation.updated_at = now
        automation.save(update_fields=["active", "updated_at"])
        if not active:
            Timer.objects.filter(automation=automation).delete()
        core_audit.record(
            "automation.updated",
            actor=actor,
            now=now,
            field="automation",
            old={"id": automation.pk, "active": not active},
            new={"id": automation.pk, "active": active},
        )
    return automation


def do_move_automation(
    *, actor: User, automation: Automation, position: int, now: datetime
) -> list[Automation]:
    """Put ``automation`` at ``position`` (1 = first) and renumber the others in order.
    Returns the automations in their new order."""
    _require(actor)
    with transaction.atomic():
        rows = list(Automation.objects.select_for_update().order_by("position", "id"))
        moving = next((a for a in rows if a.pk == automation.pk), None)
        if moving is None:
            raise NotFound("No such automation.")
        old_position = rows.index(moving) + 1
        rows.remove(moving)
        index = min(max(position, 1), len(rows) + 1) - 1
        rows.insert(index, moving)
        changed = []
        for n, row in enumerate(rows, start=1):
            if row.position != n:
                row.position = n
                changed.append(row)
        Automation.objects.bulk_update(changed, ["position"])
        if index + 1 != old_position:
            core_audit.record(
                "automation.moved",
                actor=actor,
                now=now,
                field="position",
                old={"id": moving.pk, "position": old_position},
                new={"id": moving.pk, "position": index + 1},
            )
    return rows


def do_delete_automation(*, actor: User, automation: Automation, now: datetime) -> None:
    _require(actor)
    with transaction.atomic():
        automation = _locked(automation.pk)
        old = {"id": automation.pk, **_snapshot(automation)}
        automation.delete()
        core_audit.record("automation.deleted", actor=actor, now=now, field="automation", old=old)


# --- running ---------------------------------------------------------------------------
# Called from the reactions (an event) and from the timer's fire action, inside their
# transaction. Loop protection: an automation already running in this chain of events
# does not run again (``caredesk.automations.chain``).


def _fresh(ticket_id: int) -> Ticket:
    return Ticket.objects.select_related(
        "team__lead", "assignee", "customer__organization", "sla_policy__calendar"
    ).get(pk=ticket_id)


def do_run_automation(
    automation: Automation,
    ticket_id: int,
    *,
    cause: str,
    now: datetime,
    machine: bool = False,
    message_text: str = "",
) -> Run | None:
    """Run ``automation`` on the case if its conditions hold; the run's log row, or None
    (not matched, or already running in this chain)."""
    if automation.pk in chain.current():
        return None
    ticket = _fresh(ticket_id)
    cond = Conditions.from_dict(automation.conditions)
    facts = selectors.facts(ticket, message_text, with_calendar=cond.needs_clock)
    if refusal(cond, facts, now) is not None:
        return None
    done: list[str] = []
    refused: list[dict[str, str]] = []
    with chain.inside(automation.pk), acting_as(f"Automation: {automation.name}"):
        for step in automation.actions:
            try:
                with transaction.atomic():  # a refused step rolls back alone
                    out = steps.perform(
                        _fresh(ticket_id), step, now, name=automation.name, machine=machine
                    )
            except DomainError as error:
                refused.append({"action": steps.describe(step), "reason": error.message})
            except Exception:  # a broken step never undoes the change that caused the run
                log.exception("automation %s: step %s failed", automation.pk, step.get("kind"))
                refused.append({"action": steps.describe(step), "reason": FAILED})
            else:
                done.extend(out if isinstance(out, list) else [out])
        outcome = Outcome.DONE if not refused else Outcome.PARTLY if done else Outcome.REFUSED
        entry = Run.objects.create(
            automation=automation,
            ticket_id=ticket_id,
            at=now,
            cause=cause[:60],
            outcome=outcome,
            done=done,
            refused=refused,
        )
        Automation.objects.filter(pk=automation.pk).update(
            run_count=F("run_count") + 1, last_run_at=now
        )
        new: dict[str, Any] = {
            "automation": automation.name,
            "automation_id": automation.pk,
            "run_id": entry.pk,
            "cause": cause,
            "done": done,
            "refused": refused,
        }
        audit.record(
            _fresh(ticket_id), None, "automation_ran", now=now, field="automation", new=new
        )
    return entry


# --- time automations ------------------------------------------------------------------


def do_follow_case_states(
    ticket_ids: list[int], now: datetime, automations: list[Automation] | None = None
) -> list[Timer]:
    """Start the clock of every active time automation whose state each case is in now
    (once: a running clock keeps its start), and drop the clocks of the states it left.
    Called by the reaction to the events that can change a case's state, with the
    active time automations it read (else they are read here)."""
    require_aware(now, "now")
    if automations is None:
        automations = selectors.active(Trigger.TIME)
    started: list[Timer] = []
    if not automations:
        return started
    with transaction.atomic():
        for ticket in Ticket.objects.filter(pk__in=ticket_ids).select_related(
            "team", "sla_policy__calendar"
        ):
            inside = [a for a in automations if timing.in_state(a, ticket)]
            Timer.objects.filter(ticket=ticket).exclude(
                automation_id__in=[a.pk for a in inside]
            ).delete()
            if not inside:
                continue
            running = set(
                Timer.objects.filter(ticket=ticket).values_list("automation_id", flat=True)
            )
            calendar = None
            for automation in inside:
                if automation.pk in running:
                    continue
                if automation.time_business and calendar is None:
                    calendar = selectors.calendar_of(ticket)
                try:
                    due = timing.due_at(automation, now, calendar)
                except CalendarError:  # a calendar without hours: count wall-clock time
                    due = timing.due_at(automation, now, None)
                timer = Timer.objects.create(
                    automation=automation, ticket=ticket, started_at=now, due_at=due
                )
                deadlines.schedule(DEADLINE, [timer.pk], due)
                started.append(timer)
    return started


def do_fire_timer(timer_id: int, now: datetime) -> bool:
    """A time automation's clock ran out on a case: re-check under the lock that the case
    is still in the state and the automation on, clear the deadline (it fires once), and
    run the automation. True when it ran."""
    require_aware(now, "now")
    with transaction.atomic():
        timer = Timer.objects.select_for_update().filter(pk=timer_id).first()
        if timer is None or timer.due_at is None or timer.due_at > now:
            return False
        ticket = Ticket.objects.select_for_update().get(pk=timer.ticket_id)
        Timer.objects.filter(pk=timer.pk).update(due_at=None, fired_at=now)
        automation = Automation.objects.filter(pk=timer.automation_id).first()
        if automation is None or not automation.active or not timing.in_state(automation, ticket):
            return False
        try:
            return do_run_automation(automation, ticket.pk, cause="time", now=now) is not None
        except DomainError:
            return False
