"""How promises follow the cases: a reaction to the events case actions append.

Wired in ``settings.CAREDESK_EVENT_REACTIONS``; it runs inside the transaction of the
case action, holding the case row:

* a public reply (``message.added`` of kind ``reply``) keeps the case's pending update
  promises — except a reply sent while a promise is being moved
  (:func:`caredesk.promises.engine.replies_do_not_keep`);
* resolving the case (``status.changed`` or ``case.reopened`` to *resolved*) keeps its
  fix promises.
"""

from __future__ import annotations

from caredesk.core.events import Emitted
from caredesk.promises import actions, engine
from caredesk.tickets.models import MessageKind, Status, Ticket

KINDS = ("message.added", "status.changed", "case.reopened")


def follow_merges(group: list[Emitted]) -> None:
    """``case.merged``: the source's promises move to the target (docs/merge-and-links.md)."""
    for e in group:
        source, new = e.subject, e.event.data.get("new")
        if not isinstance(source, Ticket) or not isinstance(new, dict):
            continue
        target_id = (new.get("target") or {}).get("id")
        target = Ticket.objects.filter(pk=target_id).first() if target_id else None
        if target is not None:
            actions.do_move_promises(source, target, actor=e.actor, now=e.event.created_at)


def keep_promises(group: list[Emitted]) -> None:
    for e in group:
        ticket, new = e.subject, e.event.data.get("new")
        if not isinstance(ticket, Ticket):
            continue
        if e.kind == "message.added":
            reply = isinstance(new, dict) and new.get("kind") == MessageKind.REPLY
            if reply and engine.replies_keep():
                actions.do_keep_update_promises(ticket, actor=e.actor, now=e.event.created_at)
        elif new == Status.RESOLVED:
            actions.do_keep_fix_promises(ticket, actor=e.actor, now=e.event.created_at)
