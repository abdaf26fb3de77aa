"""A worker on SQLite while another connection holds the write lock for longer than the
busy timeout (5 s): it says so, stays alive, and works again once the lock is gone."""

from __future__ import annotations

import sqlite3
import subprocess
import sys

from tests.tasks.procs import CLI, ROOT, WorkerProcess, child_env, wait_for

ENQUEUE = (
    "import os, django; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'config.settings'); "
    "django.setup(); from tests.tasks.jobs import note; print(note.enqueue('after the lock').id)"
)


def test_a_worker_outlasts_a_write_lock_held_past_the_busy_timeout(tmp_path):
    env = child_env(CAREDESK_DATA_DIR=str(tmp_path / "data"))
    env.pop("DATABASE_URL", None)  # the default: SQLite in the data folder
    migrated = subprocess.run(
        [*CLI, "migrate"], env=env, cwd=ROOT, capture_output=True, text=True, timeout=180
    )
    assert migrated.returncode == 0, migrated.stderr
    path = tmp_path / "data" / "caredesk.sqlite3"

    with WorkerProcess(env, tmp_path / "w.log") as worker:
        wait_for(lambda: "Starting worker" in worker.log(), "the worker's loop", 60)
        lock = sqlite3.connect(path, isolation_level=None, timeout=30)
        lock.execute("BEGIN EXCLUSIVE")
        try:
            wait_for(lambda: "cannot renew its lease" in worker.log(), "the lock to be noticed", 30)
            assert "database is locked" in worker.log()
            assert worker.alive()
        finally:
            lock.execute("ROLLBACK")
            lock.close()
        enqueued = subprocess.run(
            [sys.executable, "-c", ENQUEUE],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert enqueued.returncode == 0, enqueued.stderr
        task_id = enqueued.stdout.strip().replace("-", "")

        def status() -> str | None:
            with sqlite3.connect(path, timeout=30) as db:
                row = db.execute(
                    "SELECT status FROM django_tasks_database_dbtaskresult WHERE id = ?",
                    [task_id],
                ).fetchone()
            return row[0] if row else None

        wait_for(lambda: status() == "SUCCESSFUL", "the task after the lock", 60)
        # The task may finish before the next lease renewal comes round: wait for it.
        wait_for(lambda: "lease renewed again" in worker.log(), "the lease to be renewed", 60)
        assert worker.stop() == 0
