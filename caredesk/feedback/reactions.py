"""The feedback app follows the cases' status changes (docs/adr/0007): a case that closes
gets its satisfaction survey planned. Wired in ``settings.CAREDESK_EVENT_REACTIONS``
under ``status.changed``. A closed case brought in from another desk (``case.imported``,
ADR 0037) gets its survey recorded as skipped: nobody is asked about history."""

from __future__ import annotations

from caredesk.core.events import Emitted
from caredesk.feedback import actions
from caredesk.tickets.models import Status, Ticket


def plan_surveys(events: list[Emitted]) -> None:
    for e in events:
        data = e.event.data or {}
        if data.get("field") != "status" or not isinstance(e.subject, Ticket):
            continue
        if str(data.get("new") or "") == Status.CLOSED:
            actions.do_plan_survey(e.subject, now=e.event.created_at)


def skip_imported_surveys(events: list[Emitted]) -> None:
    closed = [
        e.subject
        for e in events
        if isinstance(e.subject, Ticket) and e.subject.status == Status.CLOSED
    ]
    if closed:
        actions.do_skip_imported_surveys(closed, now=events[0].event.created_at)
