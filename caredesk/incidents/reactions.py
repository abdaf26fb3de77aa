"""How incidents react to new cases (wired in ``settings.CAREDESK_EVENT_REACTIONS``).

A case opened by a customer an open incident affects is linked to that incident (the
latest declared, if several) and answered at once with the incident's latest update,
in the transaction that opened it; the answer is mailed after commit. Cases from
machine mail are neither linked nor answered.
"""

from __future__ import annotations

from caredesk.core.events import Emitted
from caredesk.incidents import actions


def link_new_cases(emitted: list[Emitted]) -> None:
    ids = [e.event.ticket_id for e in emitted if e.kind == "case.created" and e.event.ticket_id]
    if ids:
        actions.do_link_new_cases(ids, now=emitted[0].event.created_at)
