"""Background work of the SLA engine. Tasks take ids, re-check state and are idempotent.

Warnings and breaches are not fired here: ``Ticket.sla_alarm_at`` is the ``sla.alarm``
deadline (``CAREDESK_DEADLINES``), scheduled and swept by :mod:`caredesk.core.deadlines`,
which calls :func:`caredesk.sla.actions.do_fire_alarms`.

Tasks call the SLA actions, and the actions enqueue these tasks: the one import cycle
allowed, inside one app, as module imports (``from caredesk.sla import actions``).
"""

from __future__ import annotations

from django_tasks import task

from caredesk.core import clock
from caredesk.sla import actions


@task()
def auto_assign_case(ticket_id: int) -> None:
    actions.do_auto_assign(ticket_id, clock.now())


@task()
def refresh_cases(ticket_ids: list[int]) -> None:
    """Recompute deadlines after a policy or queue-rule edit."""
    now = clock.now()
    for pk in ticket_ids:
        actions.do_refresh_case(pk, now)
