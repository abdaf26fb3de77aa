"""Keeping promises: by hand, and when the case is answered, resolved or called back.

:func:`keep` runs inside the transaction of the action that keeps the promise, holding
the case row. Answering and resolving a case keep its promises through the promises
app's reaction to the case's events (:mod:`caredesk.promises.reactions`), a logged call
through the phone channel's action: the case actions do not know promises exist.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction

from caredesk.accounts.models import User
from caredesk.core.effects import enqueue_after_commit
from caredesk.promises import alarms, engine, tasks
from caredesk.promises.actions.common import refresh_ticket
from caredesk.promises.models import PENDING_STATES, KeptHow, Kind, Promise, State
from caredesk.promises.wording import desk_zone, when_words
from caredesk.tickets import actions as ticket_actions
from caredesk.tickets import audit
from caredesk.tickets.models import Ticket


def keep(
    promise: Promise, *, actor: User | None, how: str, now: datetime, note: str = ""
) -> Promise:
    """Mark a pending promise kept (or kept late). The caller holds the row lock."""
    if promise.state not in PENDING_STATES:
        return promise
    old_state = promise.state
    late = promise.state == State.MISSED or now > promise.due_at or promise.miss_count > 0
    promise.state = State.KEPT_LATE if late else State.KEPT
    promise.kept_at = now
    promise.kept_by = actor
    promise.kept_how = how
    promise.kept_note = note
    if late and promise.missed_due_at is None:
        # Kept after the due time but before the sweep noticed: still a miss, never hidden.
        promise.missed_due_at = promise.due_at
        promise.miss_count += 1
    promise.settled_at = promise.missed_due_at if late else now
    promise.alarm_at = None
    promise.save(
        update_fields=[
            "state",
            "kept_at",
            "kept_by",
            "kept_how",
            "kept_note",
            "missed_due_at",
            "miss_count",
            "settled_at",
            "alarm_at",
        ]
    )
    how_text = str(KeptHow(how).label) if how in KeptHow.values else how
    due_words = when_words(promise.due_at, desk_zone(promise.team))
    audit.record(
        promise.ticket,
        actor,
        "promise_kept_late" if late else "promise_kept",
        now=now,
        field="promise",
        old={"promise": promise.text, "state": old_state},
        new={"promise": promise.text, "state": promise.state, "how": how_text},
        note=(
            f"{promise.text} — done{' (late)' if late else ''}; it was due {due_words}."
            + (f" {note}" if note and how == KeptHow.MARKED else "")
        ),
        public=promise.customer_visible,
    )
    if late:
        _tell_kept_late(promise, now)
    refresh_ticket(promise.ticket_id)
    return promise


def _tell_kept_late(promise: Promise, now: datetime) -> None:
    """Tell the customer the promise was kept late, once (claimed on
    ``customer_updated``, the flag the honest update of a miss uses too): on the case
    as a public message, mailed after commit."""
    if not alarms.kept_late_notice_due(promise):
        return
    if (
        Promise.objects.filter(pk=promise.pk, customer_updated=False).update(customer_updated=True)
        != 1
    ):
        return
    promise.customer_updated = True
    body = alarms.render_kept_late(promise, now)
    with engine.replies_do_not_keep():  # this notice is not the update another promise awaits
        message = ticket_actions.do_post_system_reply(promise.ticket, body=body, now=now)
    audit.record(
        promise.ticket,
        None,
        "promise_kept_late_notice_sent",
        now=now,
        field="promise",
        new={"promise": promise.text, "message": message.pk},
        note=f"We told you our promise was kept late: {promise.text}",
        public=True,
    )
    enqueue_after_commit(tasks.send_customer_update, message.pk)


def _pending(ticket: Ticket, kind: str) -> list[Promise]:
    return list(
        Promise.objects.select_for_update(of=("self",))
        .select_related("team")
        .filter(ticket_id=ticket.pk, kind=kind, state__in=PENDING_STATES)
        .order_by("due_at", "id")
    )


def do_keep_update_promises(ticket: Ticket, *, actor: User | None, now: datetime) -> int:
    """A public reply keeps the case's pending update promises. Inside the reply's
    transaction (the case row held). Returns how many were kept."""
    with transaction.atomic(savepoint=False):
        pending = _pending(ticket, Kind.UPDATE)
        for promise in pending:
            promise.ticket = ticket
            keep(promise, actor=actor, how=KeptHow.REPLY, now=now)
    return len(pending)


def do_keep_fix_promises(ticket: Ticket, *, actor: User | None, now: datetime) -> int:
    """Resolving the case keeps its fix promises. Inside the status change's transaction
    (the case row held). Returns how many were kept."""
    with transaction.atomic(savepoint=False):
        pending = _pending(ticket, Kind.FIX)
        for promise in pending:
            promise.ticket = ticket
            keep(
                promise,
                actor=actor if actor is not None and actor.is_agent_staff else None,
                how=KeptHow.RESOLVED,
                now=now,
            )
    return len(pending)


def do_keep_callback_promise(ticket: Ticket, *, agent: User, now: datetime) -> Promise | None:
    """A logged call keeps one pending callback promise: the agent's own first, else the
    case's earliest. Inside the call's transaction (the case row held). Returns the
    promise kept, if any."""
    with transaction.atomic(savepoint=False):
        pending = _pending(ticket, Kind.CALLBACK)
        if not pending:
            return None
        mine = [p for p in pending if p.owner_id == agent.pk]
        promise = (mine or pending)[0]
        promise.ticket = ticket
        return keep(promise, actor=agent, how=KeptHow.CALL, now=now)
