"""Work the worker does every minute, from one self-rescheduling heartbeat task.

Each app lists its jobs in ``settings.CAREDESK_PERIODIC_JOBS`` as dotted paths to plain
functions ``job(now: datetime) -> object``. Every job must be idempotent and cheap when
there is nothing to do (a range scan on an indexed deadline column): the heartbeat runs
them all once a minute, and a failing job is logged without stopping the others.

``caredesk worker`` (and so ``caredesk serve``) calls :func:`ensure_heartbeat`, which
enqueues the heartbeat only when none is already waiting, so restarts never start a
second chain. Without a scheduling backend, run ``caredesk tick`` from cron instead.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.module_loading import import_string

from caredesk.core import clock, once, redis_queue
from caredesk.core.background import task

log = logging.getLogger(__name__)

EVERY = timedelta(minutes=1)


def jobs() -> list[tuple[str, Callable[[datetime], Any]]]:
    return [(path, import_string(path)) for path in settings.CAREDESK_PERIODIC_JOBS]


def run_jobs(now: datetime) -> dict[str, str]:
    """Run every job once; returns {job: "ok" | "failed: …"} for the caller to report."""
    outcome: dict[str, str] = {}
    for path, job in jobs():
        try:
            result = job(now)
            outcome[path] = "ok" if result is None else f"ok: {result}"
        except Exception as exc:
            log.exception("periodic job %s failed", path)
            outcome[path] = f"failed: {type(exc).__name__}: {exc}"
    return outcome


@task()
def heartbeat() -> None:
    now = clock.now()
    try:
        run_jobs(now)
    finally:
        if not _pending_heartbeat_exists():
            _enqueue(now + EVERY)


def _supports_defer() -> bool:
    return bool(heartbeat.get_backend().supports_defer)


def _pending_heartbeat_exists() -> bool:
    """True when a heartbeat is already waiting in the database queue (or in RQ's)."""
    if redis_queue.is_in_use():
        return redis_queue.pending_heartbeat()
    backend = heartbeat.get_backend()
    if not type(backend).__module__.startswith("django_tasks_db"):
        return False
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.filter(task_path=heartbeat.module_path, status="READY").exists()


def _enqueue(at: datetime) -> None:
    if not _supports_defer():
        return
    # Two heartbeats running at once on two workers would each see the other running,
    # not waiting, and both enqueue: one heartbeat per minute, whoever claims it first.
    if not redis_queue.is_in_use():
        # The database queue: the claim and the queued row commit together.
        with transaction.atomic():
            if once.claim(f"heartbeat:{at.astimezone(UTC):%Y%m%d%H%M}", clock.now()):
                heartbeat.using(run_after=at).enqueue()
        return
    if not redis_queue.claim_heartbeat_minute(at):
        return
    try:
        result = heartbeat.using(run_after=at).enqueue()
    except BaseException:
        redis_queue.release_heartbeat_minute(at)
        raise
    redis_queue.remember_heartbeat(result.id)


def ensure_heartbeat(now: datetime) -> bool:
    """Start the every-minute heartbeat unless one is already pending. True if it enqueued."""
    if not _supports_defer() or _pending_heartbeat_exists():
        return False
    _enqueue(now)
    return True
