"""Changes to SLA configuration that must reach open cases, audited like every change.

Admins edit calendars, policies and queue rules in the Django admin (see admin.py); these
functions carry an edit through to the deadlines of the open cases it affects.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction

from caredesk.accounts.models import User
from caredesk.core.effects import enqueue_after_commit
from caredesk.sla import engine
from caredesk.sla.calendar import Calendar, require_aware
from caredesk.sla.models import BusinessCalendar, CaseSla, SlaPolicy
from caredesk.tickets import audit
from caredesk.tickets.models import OPEN_STATUSES, Ticket

BATCH = 500


def do_calendar_changed(
    calendar: BusinessCalendar, old: Calendar | None, *, actor: User | None, now: datetime
) -> int:
    """After an edit of ``calendar``: time already spent on open cases stays counted under
    the ``old`` hours; the rest of each deadline follows the new ones. Returns cases updated."""
    require_aware(now, "now")
    BusinessCalendar.objects.filter(pk=calendar.pk).update(updated_at=now)
    calendar.refresh_from_db(fields=["updated_at"])
    ids = list(
        CaseSla.objects.filter(
            policy__calendar=calendar, ticket__status__in=OPEN_STATUSES
        ).values_list("pk", flat=True)
    )
    for start in range(0, len(ids), BATCH):
        with transaction.atomic():
            tickets = Ticket.objects.select_for_update().filter(pk__in=ids[start : start + BATCH])
            for ticket in tickets:
                state = CaseSla.objects.get(pk=ticket.pk)
                if old is not None:
                    for kind in engine.TARGETS:
                        timer = engine.get_timer(state, kind)
                        if timer is not None:
                            engine.set_timer(state, kind, timer.rebase(old, now))
                    state.save()
                engine.apply(ticket, now, "refresh")
    with transaction.atomic():
        audit.record(
            None,
            actor,
            "sla_calendar_changed",
            now=now,
            new={"calendar": calendar.name, "open_cases_updated": len(ids)},
        )
    return len(ids)


def do_policy_changed(
    policy: SlaPolicy | None, *, actor: User | None, now: datetime, queued_only: bool = False
) -> int:
    """After a policy edit: recompute the open cases on it, in background batches.

    ``policy=None`` (a new policy) recomputes every open case, since it may now match;
    ``queued_only`` limits that to cases waiting in the queue (after a tier-rule edit)."""
    from caredesk.sla import tasks

    qs = Ticket.objects.filter(status__in=OPEN_STATUSES)
    if policy is not None:
        qs = qs.filter(sla_policy=policy)
    if queued_only:
        qs = qs.filter(queue_rank_at__isnull=False)
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
