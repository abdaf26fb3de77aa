"""Warnings and breaches: fired at most once each, however often the alarm runs.

Two triggers call :func:`fire_alarms`: a task scheduled for the case's ``sla_alarm_at``,
and the periodic :func:`sweep` (a range scan on the indexed ``sla_alarm_at``). Each flag
is claimed with a conditional UPDATE (``… WHERE frt_warned = false``) inside a
transaction that holds the case row, so a restart, a retry or both triggers at once can
never notify twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction

from caredesk.accounts.models import User
from caredesk.core.notifications import notify
from caredesk.escalations import hooks as escalation_hooks
from caredesk.sla import engine
from caredesk.sla.calendar import require_aware
from caredesk.sla.models import CaseSla
from caredesk.tickets import audit
from caredesk.tickets.models import Ticket

SWEEP_BATCH = 500


@dataclass
class Fired:
    warnings: int = 0
    breaches: int = 0


def _claim(ticket_id: int, flag: str) -> bool:
    """Set ``flag`` if it is not set yet; True when this call set it."""
    return CaseSla.objects.filter(pk=ticket_id, **{flag: False}).update(**{flag: True}) == 1


NOTICE_LABELS = {"sla_warning": "SLA warning", "sla_breach": "SLA breach"}


def _notify(user: User | None, ticket: Ticket, kind: str, text: str, now: datetime) -> None:
    status = ticket.get_status_display()
    body = f"{text}.\n\nCase: {ticket.reference} {ticket.subject}\nStatus: {status}"
    notify(
        user,
        kind,
        subject=f"[{ticket.reference}] {NOTICE_LABELS[kind]}: {ticket.subject}",
        body=body,
        now=now,
        ticket_id=ticket.pk,
    )


def fire_alarms(ticket_id: int, now: datetime) -> Fired:
    """Fire every warning and breach of this case that is due at ``now`` and not yet fired."""
    require_aware(now, "now")
    fired = Fired()
    with transaction.atomic():
        ticket = (
            Ticket.objects.select_for_update(of=("self",))
            .select_related("assignee", "team__lead", "sla_policy__calendar")
            .filter(pk=ticket_id)
            .first()
        )
        if ticket is None or ticket.sla_policy is None:
            return fired
        state = CaseSla.objects.filter(pk=ticket_id).first()
        if state is None:
            return fired
        policy = ticket.sla_policy
        cal = engine.calendar_for(policy.calendar)
        plan = engine.schedule(state, cal, policy.warn_at_percent)
        lead = ticket.team.lead if ticket.team is not None else None
        for kind in engine.TARGETS:
            name = engine.TARGET_NAMES[kind]
            warn, due = plan.warns[kind], plan.dues[kind]
            if (
                warn is not None
                and warn <= now
                and (due is None or due > now)
                and _claim(ticket_id, f"{kind}_warned")
            ):
                setattr(state, f"{kind}_warned", True)
                fired.warnings += 1
                audit.record(
                    ticket,
                    None,
                    "sla_warning",
                    now=now,
                    field=kind,
                    new={"target": name, "due": due.isoformat() if due else None},
                )
                _notify(
                    ticket.assignee or lead,
                    ticket,
                    "sla_warning",
                    f"{ticket.reference}: {policy.warn_at_percent}% of the {name} time is used",
                    now,
                )
            if due is not None and due <= now and _claim(ticket_id, f"{kind}_breached"):
                setattr(state, f"{kind}_warned", True)
                setattr(state, f"{kind}_breached", True)
                CaseSla.objects.filter(pk=ticket_id).update(**{f"{kind}_warned": True})
                fired.breaches += 1
                audit.record(
                    ticket,
                    None,
                    "sla_breached",
                    now=now,
                    field=kind,
                    old={"assignee": ticket.assignee.display_name if ticket.assignee else None},
                    new={
                        "target": name,
                        "due": due.isoformat(),
                        "escalated_to": lead.display_name if lead else None,
                    },
                    public=False,
                )
                text = f"{ticket.reference}: the {name} target was missed; escalated to you"
                _notify(lead, ticket, "sla_breach", text, now)
                escalation_hooks.on_sla_breach(ticket, name, now)  # owner + deadline (issue 6)
                if ticket.assignee is not None and ticket.assignee != lead:
                    _notify(
                        ticket.assignee,
                        ticket,
                        "sla_breach",
                        f"{ticket.reference}: the {name} target was missed",
                        now,
                    )
        engine.apply(ticket, now, "refresh")
    return fired


def due_alarm_ids(now: datetime, limit: int = SWEEP_BATCH) -> list[int]:
    """Cases whose next warning or breach is due: one range scan on an index."""
    return list(
        Ticket.objects.filter(sla_alarm_at__lte=now)
        .order_by("sla_alarm_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )


def sweep(now: datetime, *, limit: int = SWEEP_BATCH, max_batches: int = 100) -> Fired:
    """Fire every alarm due at ``now``; the safety net behind the scheduled tasks."""
    require_aware(now, "now")
    total = Fired()
    seen: set[int] = set()
    for _ in range(max_batches):
        ids = [pk for pk in due_alarm_ids(now, limit) if pk not in seen]
        if not ids:
            break
        for pk in ids:
            seen.add(pk)
            fired = fire_alarms(pk, now)
            total.warnings += fired.warnings
            total.breaches += fired.breaches
    return total
