"""Helpers for the task tests: the real database queue and its worker, run in-process."""

from __future__ import annotations

import signal
from typing import Any

import pytest
from django.core.management import call_command
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from caredesk.core import clock
from caredesk.core.recovery import recover_lost_tasks

WORKER = "tests-worker"


@pytest.fixture
def db_queue(settings):
    """The production task backend (a database queue) instead of the immediate one."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def run_queue(worker_id: str = WORKER) -> None:
    """Run every task waiting in the queue (and what they enqueue) with the library's own
    worker, as ``caredesk worker`` does, then return."""
    saved = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)}
    try:
        call_command(
            "db_worker",
            batch=True,
            reload=False,
            startup_delay=False,
            verbosity=0,
            worker_id=worker_id,
        )
    finally:
        for sig, handler in saved.items():
            signal.signal(sig, handler)


def run_twice(task: Any, *args: Any) -> DBTaskResult:
    """Enqueue ``task``, run it, then run the same queued task again as it runs after its
    worker was killed between the task's commit and the queue's "done": put back to
    RUNNING under a dead worker, recovered, and run by the next worker."""
    result = task.enqueue(*args)
    run_queue()
    row = DBTaskResult.objects.get(id=result.id)
    assert row.status == TaskResultStatus.SUCCESSFUL, row.traceback
    DBTaskResult.objects.filter(id=result.id).update(status=TaskResultStatus.RUNNING)
    assert recover_lost_tasks(clock.now(), dead_worker_ids={WORKER}) == "1 requeued, 0 failed"
    run_queue()
    row.refresh_from_db()
    assert row.status == TaskResultStatus.SUCCESSFUL, row.traceback
    assert row.worker_ids == [WORKER, WORKER]
    return row
