"""Side effects run after the transaction that caused them commits (house rule 3)."""

from __future__ import annotations

import contextlib
import contextvars
import logging
from collections.abc import Callable, Iterator
from typing import Any

from django.db import transaction

log = logging.getLogger(__name__)

_suppressed: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "caredesk_effects_suppressed", default=False
)


@contextlib.contextmanager
def suppress_effects() -> Iterator[None]:
    """Within this block, actions schedule no side effects (no mail, no tasks).

    For bulk data that is not real customer contact, such as the demo desk: the rows and
    audit events are written as usual, but nobody is notified about them.
    """
    token = _suppressed.set(True)
    try:
        yield
    finally:
        _suppressed.reset(token)


def after_commit(func: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
    """Run ``func(*args, **kwargs)`` once the current transaction commits (or now, outside one)."""
    if _suppressed.get():
        return

    def run() -> None:
        try:
            func(*args, **kwargs)
        except Exception:
            # A failed side effect must never undo or hide the committed change.
            log.exception("side effect %s failed", getattr(func, "__name__", func))

    transaction.on_commit(run, robust=False)


def enqueue_after_commit(task: Any, *args: Any, **kwargs: Any) -> None:
    """Enqueue a django-tasks task after commit. Tasks take ids and re-check state."""
    after_commit(task.enqueue, *args, **kwargs)
