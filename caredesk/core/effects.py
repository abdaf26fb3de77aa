"""Side effects run after the transaction that caused them commits (house rule 3)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.db import transaction

log = logging.getLogger(__name__)


def after_commit(func: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
    """Run ``func(*args, **kwargs)`` once the current transaction commits (or now, outside one)."""

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
