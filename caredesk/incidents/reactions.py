"""How incidents react to new cases (wired in ``settings.CAREDESK_EVENT_REACTIONS``).

A case opened by a customer an open incident affects is linked to that incident (the
latest declared, if several) and answered at once with the incident's latest update,
in the transaction that opened it; the answer is mailed after commit. Cases from
machine mail are neither linked nor answered.
"""

from __future__ import annotations

from caredesk.core.events import Emitted
from caredesk.incidents import actions
from caredesk.tickets.models import Ticket


def link_new_cases(emitted: list[Emitted]) -> None:
    created = [e for e in emitted if e.kind == "case.created" and e.event.ticket_id]
    if not created:
        return
    # The case objects the action holds (no query); by id for an emitter without them.
    tickets = [e.subject for e in created if isinstance(e.subject, Ticket)]
    held = {t.pk for t in tickets}
    missing = [
        e.event.ticket_id
        for e in created
        if e.event.ticket_id is not None and e.event.ticket_id not in held
    ]
    if missing:
        tickets += list(Ticket.objects.filter(pk__in=missing))
    actions.do_link_new_cases(tickets, now=created[0].event.created_at)
