"""Tasks left RUNNING by a worker that died go back in the queue, once, and not for ever."""

from __future__ import annotations

import logging
import os
import subprocess
from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from caredesk.core import clock, leases, periodic
from caredesk.core.models import WorkerLease
from caredesk.core.recovery import recover_lost_tasks
from tests.tasks import jobs
from tests.tasks.conftest import run_queue

pytestmark = pytest.mark.usefixtures("db_queue")


def dead_pid() -> int:
    proc = subprocess.Popen(["true"])
    proc.wait()
    return proc.pid


def lease(worker_id: str, *, pid: int, expires_in: float, host: str | None = None) -> None:
    now = clock.now()
    WorkerLease.objects.create(
        worker_id=worker_id,
        host=host or leases.host_identity(),
        pid=pid,
        started_at=now - timedelta(minutes=5),
        heartbeat_at=now,
        expires_at=now + timedelta(seconds=expires_in),
    )


def running(worker_id: str, *, started_ago: float = 60) -> DBTaskResult:
    """A task a worker claimed (the library's own claim) some seconds ago."""
    result = jobs.note.enqueue("hello")
    row = DBTaskResult.objects.get(id=result.id)
    row.claim(worker_id)
    DBTaskResult.objects.filter(id=row.id).update(
        started_at=clock.now() - timedelta(seconds=started_ago)
    )
    row.refresh_from_db()
    return row


def status(row: DBTaskResult) -> str:
    return DBTaskResult.objects.get(id=row.id).status


def test_only_tasks_of_dead_workers_are_requeued(transactional_db, caplog):
    lease("alive", pid=os.getpid(), expires_in=30)
    lease("expired", pid=os.getpid(), expires_in=-1, host="elsewhere")
    lease("killed", pid=dead_pid(), expires_in=30)  # this machine, process gone
    lease("far-away", pid=dead_pid(), expires_in=30, host="another-machine")
    alive, expired, killed = running("alive"), running("expired"), running("killed")
    far_away = running("far-away")  # another machine's pid says nothing here: its lease counts
    unleased_old, unleased_new = running("nobody"), running("nobody-yet", started_ago=1)

    with caplog.at_level(logging.WARNING, logger="caredesk.core.recovery"):
        assert recover_lost_tasks(clock.now()) == "3 requeued, 0 failed"

    assert status(expired) == status(killed) == status(unleased_old) == "READY"
    assert status(alive) == status(far_away) == status(unleased_new) == "RUNNING"
    logged = " ".join(r.getMessage() for r in caplog.records)
    assert "lease expired" in logged and "is gone" in logged and "holds no lease" in logged
    assert str(killed.id) in logged
    # Nothing left to do: a second recoverer finds nothing.
    assert recover_lost_tasks(clock.now()) is None


def test_a_requeued_task_runs_again_and_succeeds(transactional_db):
    row = running("killed-worker")
    assert recover_lost_tasks(clock.now()) == "1 requeued, 0 failed"
    run_queue("next-worker")
    row.refresh_from_db()
    assert row.status == TaskResultStatus.SUCCESSFUL
    assert row.worker_ids == ["killed-worker", "next-worker"]
    assert row.return_value == "hello"


def test_a_recoverer_with_an_old_view_changes_nothing(transactional_db):
    """The conditional UPDATE: still RUNNING and still the same claim."""
    from caredesk.core import recovery

    row = running("dead")
    snapshot = DBTaskResult.objects.filter(id=row.id).values(
        "id", "task_path", "worker_ids", "started_at"
    )[0]
    assert recovery._give_back(snapshot, "test") is True
    assert recovery._give_back(snapshot, "test") is False  # the other recoverer was first
    # Meanwhile claimed again by a live worker: the stale view must not touch it.
    fresh = DBTaskResult.objects.get(id=row.id)
    fresh.claim("live")
    assert recovery._give_back(snapshot, "test") is False
    assert status(row) == "RUNNING"


def test_a_task_whose_workers_keep_dying_fails_with_the_reason(transactional_db, settings, caplog):
    settings.CAREDESK_TASK_MAX_RUNS = 3
    row = running("w1")
    for worker in ("w2", "w3"):
        assert recover_lost_tasks(clock.now()) == "1 requeued, 0 failed"
        fresh = DBTaskResult.objects.get(id=row.id)
        fresh.claim(worker)
        DBTaskResult.objects.filter(id=row.id).update(started_at=clock.now() - timedelta(minutes=2))
    with caplog.at_level(logging.ERROR, logger="caredesk.core.recovery"):
        assert recover_lost_tasks(clock.now()) == "0 requeued, 1 failed"
    row.refresh_from_db()
    assert row.status == TaskResultStatus.FAILED and row.finished_at is not None
    assert row.exception_class_path == "caredesk.core.recovery.WorkerLost"
    assert "stopped 3 times" in row.traceback and "w1, w2, w3" in row.traceback
    assert "gave up" in caplog.text
    # The admin sees the reason through the library's own result API.
    result = jobs.note.get_result(str(row.id))
    assert result.status == TaskResultStatus.FAILED
    assert "stopped 3 times" in result.errors[0].traceback


def test_a_restarting_worker_takes_back_its_own_tasks(transactional_db):
    lease("me", pid=os.getpid(), expires_in=30)
    mine, other = running("me", started_ago=1), running("someone", started_ago=1)
    lease("someone", pid=os.getpid(), expires_in=30)
    assert recover_lost_tasks(clock.now(), dead_worker_ids={"me"}) == "1 requeued, 0 failed"
    assert status(mine) == "READY" and status(other) == "RUNNING"


def test_old_expired_leases_are_deleted(transactional_db):
    lease("long-gone", pid=dead_pid(), expires_in=-2 * 3600)
    lease("just-expired", pid=dead_pid(), expires_in=-10)
    recover_lost_tasks(clock.now())
    assert list(WorkerLease.objects.values_list("worker_id", flat=True)) == ["just-expired"]


def test_recovery_is_a_periodic_job(transactional_db):
    assert "caredesk.core.recovery.recover_lost_tasks" in django_settings.CAREDESK_PERIODIC_JOBS
    running("dead-worker")
    outcome = periodic.run_jobs(clock.now())["caredesk.core.recovery.recover_lost_tasks"]
    assert outcome == "ok: 1 requeued, 0 failed"


def test_a_lease_is_renewed_only_while_live(transactional_db):
    now = clock.now()
    leases.acquire("w", now)
    assert leases.renew("w", now + timedelta(seconds=10)) is True
    assert leases.renew("w", now + timedelta(minutes=5)) is False  # ran out meanwhile
    leases.acquire("w", now + timedelta(minutes=5))  # taken again
    assert leases.renew("w", now + timedelta(minutes=5, seconds=10)) is True
    leases.release("w")
    assert leases.renew("w", now) is False


def test_worker_ids_are_unique_and_fit_the_library(transactional_db):
    ids = {leases.new_worker_id() for _ in range(100)}
    assert len(ids) == 100 and all(0 < len(i) <= 64 for i in ids)


def test_the_running_index_exists_on_postgresql(transactional_db):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("a PostgreSQL partial index; SQLite uses the library's index on status")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE indexname = 'caredesk_tasks_running_idx'"
        )
        (definition,) = cursor.fetchone()
    assert "(started_at) WHERE ((status)::text = 'RUNNING'::text)" in definition
