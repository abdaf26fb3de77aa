"""The promise engine: alarm maths. Pure: ``now`` is passed in, nothing is written.

When to remind the owner, when the next alarm falls, how long the lead has after a miss.
The writes are :mod:`caredesk.promises.actions`' (keeping a promise when the case is
answered or resolved is a reaction to the case's events: :mod:`caredesk.promises.reactions`).
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator
from datetime import datetime, timedelta

from django.conf import settings

from caredesk.promises.models import Promise, State

_keeping_suppressed: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "caredesk_promise_keep_suppressed", default=False
)


def reminder_lead() -> timedelta:
    return timedelta(minutes=int(getattr(settings, "CAREDESK_PROMISE_REMINDER_MINUTES", 60)))


def grace_period() -> timedelta:
    return timedelta(minutes=int(getattr(settings, "CAREDESK_PROMISE_GRACE_MINUTES", 30)))


def group_window() -> timedelta:
    """Misses of one owner within this window reach their lead as one notice (the
    escalations app groups the escalations over the same window)."""
    return timedelta(
        minutes=max(0, int(getattr(settings, "CAREDESK_ESCALATION_GROUP_MINUTES", 60)))
    )


@contextlib.contextmanager
def replies_do_not_keep() -> Iterator[None]:
    """Replies sent inside this block (renegotiations) do not keep update promises."""
    token = _keeping_suppressed.set(True)
    try:
        yield
    finally:
        _keeping_suppressed.reset(token)


def replies_keep() -> bool:
    """False inside :func:`replies_do_not_keep`."""
    return not _keeping_suppressed.get()


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
