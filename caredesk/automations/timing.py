"""Time automations: is a case in the watched state, and when is it due (pure maths,
``now`` passed in)."""

from __future__ import annotations

from datetime import datetime, timedelta

from caredesk.automations.models import Automation, TimeState
from caredesk.sla.calendar import Calendar, add_business_time
from caredesk.tickets.models import OPEN_STATUSES, Ticket


def in_state(automation: Automation, ticket: Ticket) -> bool:
    if automation.time_state == TimeState.STATUS:
        return bool(automation.time_status) and ticket.status == automation.time_status
    if automation.time_state == TimeState.UNASSIGNED:
        return ticket.assignee_id is None and ticket.status in OPEN_STATUSES
    return False


def due_at(automation: Automation, start: datetime, calendar: Calendar | None) -> datetime:
    """When a case that entered the state at ``start`` is due: wall-clock minutes, or
    business minutes of the case's calendar (a case without one: always open)."""
    minutes = automation.time_minutes or 0
    if automation.time_business and calendar is not None:
        return add_business_time(calendar, start, minutes)
    return start + timedelta(minutes=minutes)
