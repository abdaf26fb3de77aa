"""The promise engine: alarm times, the case's nearest promise, and keeping promises.

Called inside the transactions of the actions (promises' own, and three one-line hooks
in :mod:`caredesk.tickets.actions`: a public reply, resolving a case). It never sends
anything itself; side effects are enqueued after commit.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Min

from caredesk.accounts.models import User
from caredesk.core.effects import enqueue_after_commit
from caredesk.promises.models import (
    PENDING_STATES,
    KeptHow,
    Kind,
    Promise,
    State,
)
from caredesk.tickets import audit
from caredesk.tickets.models import Message, Ticket

_keeping_suppressed: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "caredesk_promise_keep_suppressed", default=False
)


def reminder_lead() -> timedelta:
    return timedelta(minutes=int(getattr(settings, "CAREDESK_PROMISE_REMINDER_MINUTES", 60)))


def grace_period() -> timedelta:
    return timedelta(minutes=int(getattr(settings, "CAREDESK_PROMISE_GRACE_MINUTES", 30)))


@contextlib.contextmanager
def replies_do_not_keep() -> Iterator[None]:
    """Replies sent inside this block (renegotiations) do not keep update promises."""
    token = _keeping_suppressed.set(True)
    try:
        yield
    finally:
        _keeping_suppressed.reset(token)


# --- alarm maths (pure) -----------------------------------------------------------------


def remind_time(due: datetime, now: datetime) -> datetime | None:
    """When to remind the owner; None when the promise is already inside the lead time."""
    at = due - reminder_lead()
    return at if at > now else None


def next_alarm(promise: Promise) -> datetime | None:
    """The next instant the engine must act on this promise, or None."""
    if promise.state == State.OPEN:
        if not promise.reminded and promise.remind_at is not None:
            return min(promise.remind_at, promise.due_at)
        return promise.due_at
    if promise.state == State.MISSED:
        if not promise.escalated:
            return promise.missed_at or promise.due_at
        if promise.customer_visible and not promise.customer_updated:
            base = promise.missed_at or promise.due_at
            return base + grace_period()
    return None


def set_alarm(promise: Promise) -> None:
    """Store the alarm and schedule the task for it (after commit)."""
    old = promise.alarm_at
    promise.alarm_at = next_alarm(promise)
    Promise.objects.filter(pk=promise.pk).update(alarm_at=promise.alarm_at)
    if promise.alarm_at is not None and promise.alarm_at != old:
        schedule_alarm(promise.pk, promise.alarm_at)


def schedule_alarm(promise_id: int, at: datetime) -> None:
    from caredesk.promises import tasks

    if not tasks.fire_promise_alarm.get_backend().supports_defer:
        return  # the periodic sweep covers backends without scheduling
    enqueue_after_commit(tasks.fire_promise_alarm.using(run_after=at), promise_id)


def refresh_ticket(ticket_id: int) -> datetime | None:
    """Store the case's nearest pending promise on the case row (the inbox sorts by it)."""
    nearest = Promise.objects.filter(ticket_id=ticket_id, state__in=PENDING_STATES).aggregate(
        nearest=Min("due_at")
    )["nearest"]
    Ticket.objects.filter(pk=ticket_id).update(next_promise_due_at=nearest)
    return nearest


# --- keeping ------------------------------------------------------------------------------


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
    how_text = KeptHow(how).label if how in KeptHow.values else how
    from caredesk.promises.wording import desk_zone, when_words

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
    refresh_ticket(promise.ticket_id)
    return promise


def _pending(ticket: Ticket, kind: str) -> list[Promise]:
    return list(
        Promise.objects.select_for_update(of=("self",))
        .select_related("team")
        .filter(ticket_id=ticket.pk, kind=kind, state__in=PENDING_STATES)
        .order_by("due_at", "id")
    )


def on_reply(ticket: Ticket, message: Message, now: datetime) -> None:
    """Hook from ``do_reply``: a public reply keeps the case's pending update promises."""
    if _keeping_suppressed.get():
        return
    for promise in _pending(ticket, Kind.UPDATE):
        promise.ticket = ticket
        keep(promise, actor=message.author_user, how=KeptHow.REPLY, now=now)


def on_resolved(ticket: Ticket, actor: User | None, now: datetime) -> None:
    """Hook from ``_set_status`` (RESOLVED): resolving the case keeps its fix promises."""
    for promise in _pending(ticket, Kind.FIX):
        promise.ticket = ticket
        keep(
            promise,
            actor=actor if actor is not None and actor.is_agent_staff else None,
            how=KeptHow.RESOLVED,
            now=now,
        )


def on_call(ticket: Ticket, agent: User, now: datetime) -> Promise | None:
    """A logged call keeps one pending callback promise: the agent's own first, else the
    case's earliest. Returns the promise kept, if any."""
    pending = _pending(ticket, Kind.CALLBACK)
    if not pending:
        return None
    mine = [p for p in pending if p.owner_id == agent.pk]
    promise = (mine or pending)[0]
    promise.ticket = ticket
    return keep(promise, actor=agent, how=KeptHow.CALL, now=now)
