"""Background work of the SLA engine. Tasks take ids, re-check state and are idempotent.

Alarms have two triggers (house rule 7 makes both safe):

* :func:`fire_sla_alarms` is enqueued with ``run_after=sla_alarm_at`` whenever a case's
  next alarm moves (backends that support scheduling, such as the database queue);
* :func:`run_sweep` fires whatever is due (:func:`sweep`); it is one of the jobs of the
  worker's every-minute heartbeat (``caredesk.core.periodic``, ``CAREDESK_PERIODIC_JOBS``).

Tasks call the SLA actions, and the actions enqueue these tasks: the one import cycle
allowed, inside one app, as module imports (``from caredesk.sla import actions``).
"""

from __future__ import annotations

import logging
from datetime import datetime

from django_tasks import task

from caredesk.core import clock
from caredesk.core.effects import run_each
from caredesk.sla import actions, alarms
from caredesk.sla.calendar import require_aware

log = logging.getLogger(__name__)


@task()
def fire_sla_alarms(ticket_ids: list[int] | int) -> None:
    """Fire what is due on these cases (cases whose alarms fall at the same instant share
    one task: a batch of new cases from one policy). A single id is accepted too."""
    ids = [ticket_ids] if isinstance(ticket_ids, int) else ticket_ids
    now = clock.now()
    run_each(lambda ticket_id: actions.do_fire_alarms(ticket_id, now), ids)


def sweep(
    now: datetime, *, limit: int = alarms.SWEEP_BATCH, max_batches: int = 100
) -> actions.Fired:
    """Fire every alarm due at ``now``; the safety net behind the scheduled tasks."""
    require_aware(now, "now")
    total = actions.Fired()
    seen: set[int] = set()
    for _ in range(max_batches):
        ids = [pk for pk in alarms.due_alarm_ids(now, limit) if pk not in seen]
        if not ids:
            break
        for pk in ids:
            seen.add(pk)
            fired = actions.do_fire_alarms(pk, now)
            total.warnings += fired.warnings
            total.breaches += fired.breaches
    return total


def run_sweep(now: datetime) -> str:
    """Fire whatever is due. A heartbeat job (every minute)."""
    fired = sweep(now)
    if fired.warnings or fired.breaches:
        log.info("sla sweep: %d warnings, %d breaches", fired.warnings, fired.breaches)
    return f"{fired.warnings} warnings, {fired.breaches} breaches"


@task()
def auto_assign_case(ticket_id: int) -> None:
    actions.do_auto_assign(ticket_id, clock.now())


@task()
def refresh_cases(ticket_ids: list[int]) -> None:
    """Recompute deadlines after a policy or queue-rule edit."""
    now = clock.now()
    for pk in ticket_ids:
        actions.do_refresh_case(pk, now)
