"""The resolutions app follows the cases' status changes (docs/adr/0007): wired in
``settings.CAREDESK_EVENT_REACTIONS`` under ``status.changed`` and ``case.reopened``."""

from __future__ import annotations

from caredesk.core.events import Emitted
from caredesk.resolutions import actions
from caredesk.tickets.models import Ticket


def follow_status(events: list[Emitted]) -> None:
    for e in events:
        data = e.event.data or {}
        if data.get("field") != "status" or not isinstance(e.subject, Ticket):
            continue
        old, new = str(data.get("old") or ""), str(data.get("new") or "")
        actions.do_follow_case_status(
            e.subject, old=old, new=new, actor=e.actor, now=e.event.created_at
        )
