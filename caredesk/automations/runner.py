"""Running one automation on one case: the conditions, then each action through its
owning app's action, then the log (a ``Run`` row and ``automation_ran`` on the case).

Called from the reactions (an event) and from the timer's fire action (a time
automation), inside their transaction. Loop protection: an automation already running
in this chain of events does not run again (``caredesk.automations.chain``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import F

from caredesk.automations import chain, selectors, steps
from caredesk.automations.conditions import Conditions, refusal
from caredesk.automations.models import Automation, Outcome, Run
from caredesk.core.acting import acting_as
from caredesk.core.errors import DomainError
from caredesk.tickets import audit
from caredesk.tickets.models import Ticket


def _fresh(ticket_id: int) -> Ticket:
    return Ticket.objects.select_related(
        "team__lead", "assignee", "customer__organization", "sla_policy__calendar"
    ).get(pk=ticket_id)


def run(
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
