"""Real worker processes on PostgreSQL: killed mid-task, cut off from their database,
or broken. No mocks: the database really refuses connections, really loses a table."""

from __future__ import annotations

import re
import time

import psycopg
import pytest
from django.db import connection
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from caredesk.core.models import WorkerLease
from tests.tasks import jobs
from tests.tasks.procs import WorkerProcess, child_env, database_url, wait_for

pytestmark = [pytest.mark.usefixtures("db_queue")]


@pytest.fixture
def pg(transactional_db):
    if connection.vendor != "postgresql":
        pytest.skip("worker processes share the test database: run on PostgreSQL")
    return child_env(DATABASE_URL=database_url())


def lease_of(worker: WorkerProcess) -> WorkerLease | None:
    return WorkerLease.objects.filter(pid=worker.pid).first()


def status_of(result_id: str) -> str:
    return DBTaskResult.objects.filter(id=result_id).values_list("status", flat=True)[0]


def admin() -> psycopg.Connection:
    """A connection to the server's maintenance database, to cut the test database off."""
    s = connection.settings_dict
    return psycopg.connect(
        host=s["HOST"] or "127.0.0.1",
        port=s["PORT"] or 5432,
        user=s["USER"] or "postgres",
        password=s["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    )


def cut_off(db: psycopg.Connection, name: str, keep_pid: int) -> None:
    """New connections refused, open ones (but ours) ended: the database is unreachable."""
    db.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
    db.execute(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> %s",
        [name, keep_pid],
    )


def reconnect(db: psycopg.Connection, name: str) -> None:
    db.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')


def test_a_task_killed_with_its_worker_runs_again_on_the_next_worker(pg, tmp_path):
    result = jobs.nap.enqueue(2.0, "done")
    with WorkerProcess(pg, tmp_path / "a.log") as first:
        wait_for(lambda: status_of(result.id) == "RUNNING", "the first worker to start it")
        first_id = lease_of(first).worker_id
        first.kill9()
    assert status_of(result.id) == "RUNNING"  # and it would stay so for ever without recovery
    with WorkerProcess(pg, tmp_path / "b.log") as second:
        wait_for(lambda: status_of(result.id) == "SUCCESSFUL", "the task to run again", 40)
        second_id = lease_of(second).worker_id
        assert second.stop() == 0
    row = DBTaskResult.objects.get(id=result.id)
    assert row.worker_ids == [first_id, second_id] and row.return_value == "done"
    assert "back in the queue" in second.log() and "is gone" in second.log()
    assert WorkerLease.objects.filter(worker_id=second_id).count() == 0  # released on stop


def test_a_worker_waits_out_a_database_it_cannot_reach(pg, tmp_path):
    name = connection.settings_dict["NAME"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (own_pid,) = cursor.fetchone()
    with WorkerProcess(pg, tmp_path / "w.log") as worker, admin() as db:
        wait_for(lambda: lease_of(worker), "the worker's lease")
        during = jobs.nap.enqueue(1.5, "survived")
        wait_for(lambda: status_of(during.id) == "RUNNING", "the task to start")
        cut_off(db, name, own_pid)
        try:
            wait_for(lambda: "retrying in 4 s" in worker.log(), "three failed attempts", 30)
            assert worker.alive()
        finally:
            reconnect(db, name)
        after = jobs.note.enqueue("after the outage")
        wait_for(lambda: status_of(after.id) == "SUCCESSFUL", "work after the outage", 60)
        wait_for(lambda: status_of(during.id) == "SUCCESSFUL", "the interrupted task", 30)
        assert worker.stop() == 0
    log = worker.log()
    delays = [int(d) for d in re.findall(r"attempt \d+ failed, retrying in (\d+) s", log)]
    assert delays[:3] == [1, 2, 4] and delays == sorted(delays) and max(delays) <= 30
    # One line per attempt, not a burst of them.
    attempts = re.findall(r"attempt (\d+) failed", log)
    assert attempts == [str(n) for n in range(1, len(attempts) + 1)]
    assert "the database answers again" in log
    assert "cannot renew its lease" in log
    # The task whose end could not be recorded ran again, on the same worker.
    row = DBTaskResult.objects.get(id=during.id)
    assert row.return_value == "survived" and len(row.worker_ids) == 2


@pytest.mark.parametrize(
    ("table", "what"),
    [
        ("django_tasks_database_dbtaskresult", "the worker's loop"),
        ("core_workerlease", "the lease thread"),
    ],
)
def test_a_worker_that_cannot_go_on_exits_non_zero(pg, tmp_path, table, what):
    """A missing table is not an outage to wait out: the process stops (exit 1) so its
    supervisor sees it, instead of staying alive doing nothing."""
    with WorkerProcess(pg, tmp_path / "w.log") as worker:
        wait_for(lambda: "Starting worker" in worker.log(), "db_worker's loop to run")
        with connection.cursor() as cursor:
            cursor.execute(f"ALTER TABLE {table} RENAME TO {table}_away")
        try:
            code = worker.wait(timeout=30)
        finally:
            with connection.cursor() as cursor:
                cursor.execute(f"ALTER TABLE {table}_away RENAME TO {table}")
    assert code == 1, worker.log()
    assert f'relation "{table}" does not exist' in worker.log(), what


def test_sigterm_lets_the_running_task_finish(pg, tmp_path):
    result = jobs.nap.enqueue(1.0, "finished")
    with WorkerProcess(pg, tmp_path / "w.log") as worker:
        wait_for(lambda: status_of(result.id) == "RUNNING", "the task to start")
        started = time.monotonic()
        assert worker.stop() == 0
    assert time.monotonic() - started < 20
    assert status_of(result.id) == TaskResultStatus.SUCCESSFUL
    assert WorkerLease.objects.count() == 0
