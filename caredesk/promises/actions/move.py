"""Promises follow a merged case to its target (the promises app's reaction to
``case.merged``, :mod:`caredesk.promises.reactions`)."""

from __future__ import annotations

from datetime import datetime

from caredesk.accounts.models import User
from caredesk.promises.actions.common import refresh_ticket
from caredesk.promises.models import PENDING_STATES, Promise
from caredesk.tickets import audit
from caredesk.tickets.models import Ticket


def do_move_promises(source: Ticket, target: Ticket, *, actor: User | None, now: datetime) -> int:
    """Move every promise of ``source`` (kept and pending: the history goes with the
    messages) to ``target``; both cases' nearest promise is recomputed. Audited on the
    target when a pending promise moved. Runs inside the merge's transaction."""
    promises = Promise.objects.filter(ticket_id=source.pk)
    pending = promises.filter(state__in=PENDING_STATES).count()
    moved = promises.update(ticket=target)
    if not moved:
        return 0
    source.next_promise_due_at = refresh_ticket(source.pk)
    target.next_promise_due_at = refresh_ticket(target.pk)
    if pending:
        audit.insert(
            [
                audit.event(
                    target,
                    actor,
                    "promises_moved",
                    now=now,
                    field="promises",
                    new={"from": source.reference, "moved": moved, "pending": pending},
                    note=f"{pending} pending promise(s) came with {source.reference}.",
                )
            ]
        )
    return moved
