"""Background work of the SLA engine. Tasks take ids, re-check state and are idempotent.

Warnings and breaches are not fired here: ``Ticket.sla_alarm_at`` is the ``sla.alarm``
deadline (``CAREDESK_DEADLINES``), scheduled and swept by :mod:`caredesk.core.deadlines`,
which calls :func:`caredesk.sla.actions.do_fire_alarms`.

Tasks call the SLA actions, and the actions enqueue these tasks: the one import cycle
allowed, inside one app, as module imports (``from caredesk.sla import actions``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from caredesk.core import clock
from caredesk.core.background import task
from caredesk.sla import actions
from caredesk.sla.calendar import from_snapshot


@task()
def auto_assign_case(ticket_id: int) -> None:
    actions.do_auto_assign(ticket_id, clock.now())


@task()
def refresh_cases(ticket_ids: list[int]) -> None:
    """Recompute deadlines and queue keys of a batch after a policy or tier-rule edit."""
    actions.do_refresh_cases(ticket_ids, clock.now())


@task()
def recompute_calendar_cases(
    ticket_ids: list[int], old_calendar: dict[str, Any] | None, edited_at: str
) -> None:
    """Carry a calendar edit through to a batch of open cases (deadlines and queue keys)."""
    old = from_snapshot(old_calendar) if old_calendar is not None else None
    edited = datetime.fromisoformat(edited_at)
    # Never before the edit itself (another process's clock may lag a little).
    actions.do_recompute_calendar_cases(ticket_ids, old, edited, max(clock.now(), edited))
