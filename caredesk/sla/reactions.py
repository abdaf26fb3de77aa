"""How the SLA app follows the cases: a reaction to the events case actions append.

Wired in ``settings.CAREDESK_EVENT_REACTIONS`` for the kinds below; it runs inside the
transaction of the case action, once for all the events one call appended (a reply that
also assigns and changes the status; a batch of new cases from one email intake), so each
case's deadlines are recomputed once, from the case as the action left it, and a batch
costs the same few statements as one case.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from caredesk.core.events import Emitted
from caredesk.sla import actions, engine
from caredesk.tickets.models import MessageKind, Ticket

# What each case event means to the SLA clocks, most telling first: a case's deadlines
# follow the first of these among its events.
TRIGGERS: tuple[tuple[str, engine.Event], ...] = (
    ("case.created", "opened"),
    # A case brought in from another desk (ADR 0037): its clocks start at its own
    # creation time and stand as its history left them; open cases only.
    ("case.imported", "refresh"),
    ("message.added:reply", "reply"),
    ("message.added:customer", "customer_message"),
    ("case.assigned", "assigned"),
    ("status.changed", "status"),
    ("case.reopened", "status"),
    ("priority.changed", "priority"),
    ("case.merged", "status"),  # the merged source's clocks stop
)
KINDS = sorted({name.split(":")[0] for name, _ in TRIGGERS})
_RANK = {name: rank for rank, (name, _) in enumerate(TRIGGERS)}
_EVENT = dict(TRIGGERS)


def _trigger(e: Emitted) -> str | None:
    if e.kind != "message.added":
        return e.kind if e.kind in _RANK else None
    new = e.event.data.get("new")
    kind = new.get("kind") if isinstance(new, dict) else None
    name = f"message.added:{kind}"
    return name if kind in (MessageKind.REPLY, MessageKind.CUSTOMER) and name in _RANK else None


def update_deadlines(group: list[Emitted]) -> None:
    """Recompute the deadlines of the cases these events are about (one batch per SLA
    event), on the case objects the action holds."""
    chosen: dict[int, tuple[str, Emitted]] = {}
    for e in group:
        trigger, ticket = _trigger(e), e.subject
        if trigger is None or not isinstance(ticket, Ticket) or ticket.pk is None:
            continue
        if trigger == "case.imported" and not ticket.is_open:
            continue  # history: a done case imported has no clock to run
        held = chosen.get(ticket.pk)
        if held is None or _RANK[trigger] < _RANK[held[0]]:
            chosen[ticket.pk] = (trigger, e)
    batches: dict[tuple[engine.Event, datetime], list[Ticket]] = defaultdict(list)
    for trigger, e in chosen.values():
        batches[(_EVENT[trigger], e.event.created_at)].append(e.subject)
    for (event, now), tickets in batches.items():
        actions.do_update_deadlines(tickets, now, event)
