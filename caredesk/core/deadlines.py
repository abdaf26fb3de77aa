"""Deadlines: one registry of kinds, one way to schedule, one task, one sweep.

A deadline lives on the row it belongs to, in an indexed datetime column (house rule 6):
a case's ``sla_alarm_at``, a promise's ``alarm_at``, an escalation's ``due_at``. Each
*kind* in ``settings.CAREDESK_DEADLINES`` names that column and the ``do_*`` action that
fires it::

    "promise.alarm": {
        "model": "promises.Promise",      # the rows that carry the deadline
        "field": "alarm_at",              # due when field <= now
        "filter": {},                     # optional: only rows matching this
        "fire": "caredesk.promises.actions.do_fire_promise",  # fire(pk, now) -> bool
    }

Two triggers, one action: :func:`schedule` enqueues :func:`fire_deadlines` to run at the
due time (when the task backend can defer), and :func:`sweep`, a job of the worker's
every-minute heartbeat, fires whatever is due (a range scan per kind) — the safety net
for a lost task or a backend that cannot defer. So every ``fire`` action must be
idempotent (claim with a conditional UPDATE, re-check state) and must move or clear the
row's deadline once it has acted, or the sweep fires it again a minute later.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db.models import Model, QuerySet
from django.utils.module_loading import import_string

from caredesk.core import clock
from caredesk.core.background import task
from caredesk.core.clock import require_aware
from caredesk.core.effects import enqueue_after_commit

log = logging.getLogger(__name__)

SWEEP_BATCH = 500
MAX_BATCHES = 100


@dataclass(frozen=True)
class DeadlineKind:
    name: str
    model: type[Model]
    column: str
    fire: Callable[[int, datetime], object]
    only: dict[str, Any] = field(default_factory=dict)

    def due(self, now: datetime) -> QuerySet[Model]:
        return self.model._default_manager.filter(**{f"{self.column}__lte": now}, **self.only)

    def due_ids(self, now: datetime, limit: int = SWEEP_BATCH) -> list[int]:
        """Rows whose deadline has come: one range scan on the indexed column."""
        rows = self.due(now).order_by(self.column, "pk")
        return list(rows.values_list("pk", flat=True)[:limit])


@cache
def kinds() -> dict[str, DeadlineKind]:
    table: dict[str, dict[str, Any]] = getattr(settings, "CAREDESK_DEADLINES", {})
    return {
        name: DeadlineKind(
            name=name,
            model=apps.get_model(spec["model"]),
            column=spec["field"],
            fire=import_string(spec["fire"]),
            only=dict(spec.get("filter", {})),
        )
        for name, spec in table.items()
    }


def kind(name: str) -> DeadlineKind:
    try:
        return kinds()[name]
    except KeyError:
        raise LookupError(f"no deadline kind {name!r} in CAREDESK_DEADLINES") from None


def can_defer() -> bool:
    """True when the task backend can run a task at a later time (the database queue can;
    the immediate backend of the tests cannot). Without it the sweep does the work."""
    return bool(fire_deadlines.get_backend().supports_defer)


def schedule(name: str, ids: Iterable[int], at: datetime | None) -> None:
    """Fire kind ``name`` for these rows at ``at``, after the current transaction commits.
    Rows whose deadline moves are simply scheduled again: a firing re-reads the row, and
    one that is not due yet does nothing."""
    kind(name)  # an unknown kind is a programming error: fail in the action, not later
    pks = sorted(set(ids))
    if at is None or not pks or not can_defer():
        return
    require_aware(at, "at")
    enqueue_after_commit(fire_deadlines.using(run_after=at), name, pks)


def fire(name: str, ids: Iterable[int], now: datetime) -> int:
    """Fire the deadline of each row that is due at ``now``; one failing row does not stop
    the others (it is logged, and the sweep tries it again). Returns how many acted."""
    require_aware(now, "now")
    k = kind(name)
    pks = list(ids)
    due = set(k.due(now).filter(pk__in=pks).values_list("pk", flat=True))
    acted = 0
    for pk in pks:
        if pk not in due:
            continue
        try:
            if k.fire(pk, now):
                acted += 1
        except Exception:
            log.exception("deadline %s failed for %s", name, pk)
    return acted


@task()
def fire_deadlines(name: str, ids: list[int]) -> int:
    """The one deadline task: fire kind ``name`` for these rows now."""
    return fire(name, ids, clock.now())


def sweep_kind(name: str, now: datetime) -> int:
    """Fire every deadline of kind ``name`` due at ``now``; returns how many acted. Each
    row is fired at most once per call, so a row whose action leaves it due (a bug in the
    action, or a failing one) costs one attempt a minute, never a loop."""
    require_aware(now, "now")
    k = kind(name)
    seen: set[int] = set()
    acted = 0
    for _ in range(MAX_BATCHES):
        ids = [pk for pk in k.due_ids(now) if pk not in seen]
        if not ids:
            break
        seen.update(ids)
        acted += fire(name, ids, now)
    return acted


def sweep(now: datetime, names: Iterable[str] | None = None) -> str | None:
    """Fire every deadline due at ``now``, kind by kind in the order of the setting (a
    heartbeat job, every minute); ``names`` limits it to those kinds."""
    require_aware(now, "now")
    report = []
    for name in kinds() if names is None else names:
        acted = sweep_kind(name, now)
        if acted:
            report.append(f"{name}: {acted}")
    return ", ".join(report) or None


def reset() -> None:
    """Forget the imported registry (tests that override the setting call this)."""
    kinds.cache_clear()
