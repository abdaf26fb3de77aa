"""How cases follow changes to accounts (a reaction, docs/adr/0007-cross-app-reactions.md).

``staff.deactivated``: the person's open cases go back to their team's queue (unassigned,
the team kept), each change audited on the case, so nobody's case waits for someone who
can no longer sign in. Wired in ``settings.CAREDESK_EVENT_REACTIONS``.
"""

from __future__ import annotations

from caredesk.core.events import Emitted
from caredesk.tickets import actions
from caredesk.tickets.models import OPEN_STATUSES, Ticket


def release_cases_of_deactivated_staff(events: list[Emitted]) -> None:
    for emitted in events:
        new = emitted.event.data.get("new")
        staff_id = new.get("staff") if isinstance(new, dict) else None
        if not isinstance(staff_id, int):
            continue
        cases = (
            Ticket.objects.select_related("team", "assignee")
            .filter(assignee_id=staff_id, status__in=OPEN_STATUSES)
            .order_by("pk")
        )
        for ticket in cases:
            actions.do_assign(
                ticket,
                actor=emitted.actor,
                assignee=None,
                team=ticket.team,
                now=emitted.event.created_at,
                handoff_note="",
            )
