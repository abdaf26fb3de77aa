"""Putting back in the queue the tasks whose worker died while running them.

django-tasks-db marks a task RUNNING when a worker claims it and records the worker's id
(``DBTaskResult.worker_ids``, one entry per claim). A worker killed mid-task leaves it
RUNNING for ever. :func:`recover_lost_tasks` finds RUNNING tasks whose last worker has no
live lease (:mod:`caredesk.core.leases`) and sets them READY again, with a conditional
UPDATE (still RUNNING, still the same claim), so two recoverers never both requeue one
task and a task a live worker has meanwhile finished is left alone. A task whose workers
died ``CAREDESK_TASK_MAX_RUNS`` times (5) is marked FAILED with the reason instead: a task
that kills every worker that runs it must not take the queue down with it.

It runs when a worker starts (before its first task) and once a minute from the
heartbeat (``CAREDESK_PERIODIC_JOBS``). A requeued task runs again from the start, so
every task is idempotent (docs/scaling.md lists how each one is). With the RQ backend the
same rules apply to RQ's started-job registry (:mod:`caredesk.core.redis_queue`).
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Mapping
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from caredesk.core import leases, redis_queue
from caredesk.core.models import WorkerLease

log = logging.getLogger(__name__)

DEFAULT_MAX_RUNS = 5
SCAN_LIMIT = 1000
LEASE_KEEP = timedelta(hours=1)  # expired leases are deleted after this


class WorkerLost(Exception):
    """Recorded as the error of a task given up after its workers kept dying."""


def max_runs() -> int:
    return max(int(getattr(settings, "CAREDESK_TASK_MAX_RUNS", DEFAULT_MAX_RUNS)), 1)


def _why_lost(
    worker_id: str | None,
    started_at: datetime | None,
    lease: WorkerLease | None,
    now: datetime,
    dead: Collection[str],
    here: str,
) -> str | None:
    """Why this claim's worker is gone, or None while it may still be running the task."""
    if worker_id is None:
        return "it was claimed by no worker"
    if worker_id in dead:
        return "its worker restarted"
    if lease is None:
        # A worker takes its lease before its first claim; without one (it was deleted,
        # or a worker not started by caredesk), wait a lease's length from the start.
        if started_at is None or started_at <= now - leases.ttl():
            return "its worker holds no lease"
        return None
    if lease.expires_at <= now:
        return f"its worker's lease expired at {lease.expires_at.isoformat()}"
    if lease.host == here and not leases.pid_alive(lease.pid):
        return f"its worker process ({lease.pid}) is gone"
    return None


def recover_lost_tasks(now: datetime, *, dead_worker_ids: Collection[str] = ()) -> str | None:
    """Requeue (or, past the limit, fail) RUNNING tasks whose worker is gone.

    ``dead_worker_ids``: workers known to run nothing now (a worker restarting its own
    loop passes its id). Returns a summary for the periodic job's report."""
    if redis_queue.is_in_use():
        requeued, failed = redis_queue.recover_lost_jobs(
            now, _leases, _why_lost, dead_worker_ids=dead_worker_ids
        )
        WorkerLease.objects.filter(expires_at__lt=now - LEASE_KEEP).delete()
        return f"{requeued} requeued, {failed} failed" if requeued or failed else None
    running = list(
        DBTaskResult.objects.running()
        .order_by("started_at")
        .values("id", "task_path", "worker_ids", "started_at")[:SCAN_LIMIT]
    )
    requeued = failed = 0
    if running:
        last = {row["id"]: (row["worker_ids"] or [None])[-1] for row in running}
        live = _leases({w for w in last.values() if w is not None})
        here = leases.host_identity()
        for row in running:
            worker_id = last[row["id"]]
            lease = live.get(worker_id) if worker_id is not None else None
            reason = _why_lost(worker_id, row["started_at"], lease, now, dead_worker_ids, here)
            if reason is None:
                continue
            if len(row["worker_ids"] or []) >= max_runs():
                failed += _give_up(row, reason, now)
            else:
                requeued += _give_back(row, reason)
    WorkerLease.objects.filter(expires_at__lt=now - LEASE_KEEP).delete()
    if not (requeued or failed):
        return None
    return f"{requeued} requeued, {failed} failed"


def _leases(worker_ids: Collection[str]) -> dict[str, WorkerLease]:
    found = WorkerLease.objects.filter(worker_id__in=worker_ids)
    return {lease.worker_id: lease for lease in found}


def _same_claim(row: Mapping[str, Any]) -> Any:
    return DBTaskResult.objects.filter(
        id=row["id"], status=TaskResultStatus.RUNNING, started_at=row["started_at"]
    )


def _give_back(row: Mapping[str, Any], reason: str) -> bool:
    runs = len(row["worker_ids"] or [])
    if _same_claim(row).update(status=TaskResultStatus.READY) != 1:
        return False  # finished meanwhile, or another recoverer was first
    log.warning(
        "task %s (%s) was left running because %s; back in the queue (run %d of at most %d)",
        row["id"],
        row["task_path"],
        reason,
        runs + 1,
        max_runs(),
    )
    return True


def _give_up(row: Mapping[str, Any], reason: str, now: datetime) -> bool:
    runs = len(row["worker_ids"] or [])
    message = (
        f"The worker running this task stopped {runs} times (last time because {reason}); "
        f"caredesk gave up on it after {max_runs()} runs. Workers: {', '.join(row['worker_ids'])}."
    )
    updated = _same_claim(row).update(
        status=TaskResultStatus.FAILED,
        finished_at=now,
        exception_class_path=f"{WorkerLost.__module__}.{WorkerLost.__qualname__}",
        traceback=f"{WorkerLost.__qualname__}: {message}\n",
    )
    if updated != 1:
        return False
    log.error("task %s (%s) failed: %s", row["id"], row["task_path"], message)
    return True
