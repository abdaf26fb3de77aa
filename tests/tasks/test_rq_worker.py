"""The RQ backend (``CAREDESK_TASK_BACKEND=rq``) with real ``caredesk worker`` processes on
the real Redis: each task runs once, a failing task is retried, a worker killed with
SIGKILL mid-task has its task run again by the next worker, and two workers keep one
heartbeat chain. No mocks: the workers are processes on their own SQLite data folder
(their leases), the queue is a Redis database of this test's own (tests/redisdb.py)."""

from __future__ import annotations

import collections
import os
import signal
from datetime import UTC, datetime, timedelta
from pathlib import Path

import django_rq
import pytest
from django_tasks import TaskResultStatus, task_backends

from caredesk.core import redis_queue
from caredesk.core.periodic import heartbeat
from tests.conftest import copy_migrated
from tests.redisdb import RedisDB, redis_db  # noqa: F401 - the fixture
from tests.tasks import jobs
from tests.tasks.procs import WorkerProcess, child_env, wait_for

pytestmark = [pytest.mark.own_database]


@pytest.fixture
def rq(settings, redis_db: RedisDB):  # noqa: F811
    """This process enqueues on the test's Redis database, as the web processes would."""
    settings.TASKS = {
        "default": {"BACKEND": "caredesk.core.redis_queue.RQBackend", "QUEUES": ["default"]}
    }
    settings.RQ_QUEUES = {"default": {"URL": redis_db.url, "DEFAULT_TIMEOUT": 60}}
    settings.CAREDESK_REDIS_KEY_PREFIX = redis_db.prefix
    settings.CAREDESK_TASK_RETRY_DELAYS = [0]
    settings.CAREDESK_TASK_MAX_RUNS = 3
    return redis_db


@pytest.fixture
def worker_env(rq: RedisDB, migrated_data_dir: Path, tmp_path: Path) -> dict[str, str]:
    data = copy_migrated(migrated_data_dir, tmp_path / "data")
    env = child_env(
        CAREDESK_DATA_DIR=str(data),
        CAREDESK_TASK_BACKEND="rq",
        REDIS_URL=rq.url,
        CAREDESK_REDIS_KEY_PREFIX=rq.prefix,
        CAREDESK_TASK_RETRY_DELAYS="0",
        CAREDESK_TASK_MAX_RUNS="3",
        CAREDESK_TASK_TIMEOUT_SECONDS="60",
    )
    env.pop("DATABASE_URL", None)  # the default: SQLite in the data folder
    return env


def lines(path: Path) -> list[str]:
    return path.read_text().splitlines() if path.exists() else []


def status(result_id: str) -> TaskResultStatus:
    return task_backends["default"].get_result(result_id).status


def test_the_backend_is_chosen_by_configuration(rq):
    assert redis_queue.is_in_use()
    result = jobs.note.enqueue("queued")
    assert status(result.id) == TaskResultStatus.READY
    job = django_rq.get_queue("default").fetch_job(result.id)
    assert job is not None and job.retries_left == 2  # 3 runs at most in all


def test_every_task_runs_exactly_once_on_two_workers(worker_env, tmp_path):
    out = tmp_path / "runs.txt"
    results = [jobs.record.enqueue(str(out), f"task {i}") for i in range(40)]
    with (
        WorkerProcess(worker_env, tmp_path / "a.log") as a,
        WorkerProcess(worker_env, tmp_path / "b.log") as b,
    ):
        wait_for(lambda: len(lines(out)) >= 40, "40 tasks to run", 60)
        wait_for(
            lambda: all(status(r.id) == TaskResultStatus.SUCCESSFUL for r in results),
            "every result to be recorded",
            30,
        )
        assert a.stop() == 0 and b.stop() == 0
    counts = collections.Counter(lines(out))
    assert counts == {f"task {i}": 1 for i in range(40)}
    assert task_backends["default"].get_result(results[7].id).return_value == "task 7"


def test_a_failing_task_is_retried_until_it_succeeds(worker_env, tmp_path):
    out = tmp_path / "flaky.txt"
    result = jobs.flaky.enqueue(str(out), 2)
    with WorkerProcess(worker_env, tmp_path / "w.log") as worker:
        wait_for(lambda: status(result.id) == TaskResultStatus.SUCCESSFUL, "the third run", 60)
        assert worker.stop() == 0
    assert lines(out) == ["run", "run", "run"]
    final = task_backends["default"].get_result(result.id)
    assert final.return_value == "succeeded on run 3"


def test_a_task_that_keeps_failing_stops_after_its_runs(worker_env, tmp_path):
    out = tmp_path / "hopeless.txt"
    result = jobs.flaky.enqueue(str(out), 99)
    with WorkerProcess(worker_env, tmp_path / "w.log") as worker:
        wait_for(lambda: status(result.id) == TaskResultStatus.FAILED, "the last run", 60)
        assert worker.stop() == 0
    assert lines(out) == ["run", "run", "run"]  # CAREDESK_TASK_MAX_RUNS
    errors = task_backends["default"].get_result(result.id).errors
    assert errors and "failing on purpose (run 3)" in errors[-1].traceback


def test_a_task_killed_with_its_worker_runs_again_on_the_next_worker(worker_env, tmp_path):
    out = tmp_path / "slow.txt"
    result = jobs.slow_record.enqueue(str(out), 3.0)
    with WorkerProcess(worker_env, tmp_path / "a.log") as first:
        wait_for(lambda: lines(out) == ["start"], "the first worker to start it", 60)
        assert status(result.id) == TaskResultStatus.RUNNING
        os.kill(first.pid, signal.SIGKILL)  # the task runs in the worker process itself
        first.proc.wait(timeout=10)
    assert status(result.id) == TaskResultStatus.RUNNING  # RQ alone: its timeout and a minute
    with WorkerProcess(worker_env, tmp_path / "b.log") as second:
        wait_for(lambda: status(result.id) == TaskResultStatus.SUCCESSFUL, "the second run", 60)
        assert second.stop() == 0
    assert lines(out) == ["start", "start", "done"]
    # Recovered by caredesk, not by RQ's timeout: the dead process is seen at once, or,
    # when the second worker starts late on a loaded machine, the first one's lease has
    # run out by then; either reason is logged with the requeue.
    log = second.log()
    assert "back in the queue" in log
    assert "is gone" in log or "lease expired" in log


def test_two_workers_keep_one_heartbeat_chain(worker_env, tmp_path):
    with (
        WorkerProcess(worker_env, tmp_path / "a.log") as a,
        WorkerProcess(worker_env, tmp_path / "b.log") as b,
    ):
        # The first heartbeat runs at once (its jobs take a few seconds), then the next
        # waits a minute in the schedule.
        queue = django_rq.get_queue("default")
        registry = queue.scheduled_job_registry

        def scheduled_heartbeats() -> list[str]:
            later = datetime.now(UTC) + timedelta(seconds=20)
            found = [queue.fetch_job(i) for i in registry.get_job_ids()]
            return [
                j.id
                for j in found
                if j is not None
                and j.func_name == heartbeat.module_path
                and registry.get_scheduled_time(j) > later
            ]

        wait_for(scheduled_heartbeats, "the next heartbeat to be scheduled", 60)
        assert redis_queue.pending_heartbeat()
        assert a.stop() == 0
        with WorkerProcess(worker_env, tmp_path / "c.log") as c:  # a restart
            wait_for(lambda: "working the RQ queue" in c.log(), "the restarted worker", 30)
            assert c.stop() == 0
        assert len(scheduled_heartbeats()) == 1 and queue.count == 0
        assert b.stop() == 0
