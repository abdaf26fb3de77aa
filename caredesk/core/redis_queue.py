"""The task queue beyond one machine: RQ on Redis (``CAREDESK_TASK_BACKEND=rq``).

django-tasks-rq puts each task in an RQ queue in Redis; ``caredesk worker`` runs an RQ
worker (with its scheduler, for tasks that run later) instead of the database queue's
``db_worker``, under the same lease (:mod:`caredesk.core.leases`), so ``/readyz`` and
``caredesk check`` see it the same way. What caredesk adds around the library, as it does
for the database queue (docs/adr/0026):

- **Retries.** Every task is enqueued with an RQ ``Retry``: a task that raises runs again
  after ``CAREDESK_TASK_RETRY_DELAYS``, for at most ``CAREDESK_TASK_MAX_RUNS`` runs in all.
  Tasks are idempotent (docs/scaling.md), so running one again is harmless.
- **Recovery of a dead worker's task.** RQ notices a dead worker only when the task's
  heartbeat in its started-job registry runs out (the task timeout plus a minute).
  :func:`recover_lost_jobs` reads the registry with the leases instead: a task whose
  worker has no live lease, or whose process is gone on this machine, is handed to RQ's
  retry at once (or failed, once its runs are used up). A Redis key per execution makes
  sure two recoverers never both requeue it.
- **One heartbeat chain.** The id of the waiting heartbeat is kept in Redis, so a worker
  that starts does not start a second chain (:func:`pending_heartbeat`), and each minute
  has one heartbeat: the first to claim its minute in Redis enqueues it.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Collection
from datetime import UTC, datetime
from typing import Any, TypeVar

import django_rq
from django.conf import settings
from django.db import close_old_connections
from django_tasks import TaskResultStatus, task_backends
from django_tasks.base import TASK_MAX_PRIORITY, Task, TaskResult
from django_tasks.signals import task_enqueued
from django_tasks.utils import get_random_id
from django_tasks_rq import Job
from django_tasks_rq import RQBackend as LibraryRQBackend
from django_tasks_rq.backend import failed_callback, success_callback
from redis import Redis
from rq.exceptions import NoSuchJobError
from rq.executions import Execution
from rq.job import Callback, JobStatus, Retry
from rq.registry import FailedJobRegistry, StartedJobRegistry
from rq.worker import SimpleWorker

from caredesk.core import leases

log = logging.getLogger(__name__)

T = TypeVar("T")
QUEUE = "default"
DEFAULT_RETRY_DELAYS = (10, 60, 300, 900)
RECOVERED_KEEP_SECONDS = 24 * 3600
WAITING = (JobStatus.QUEUED, JobStatus.SCHEDULED, JobStatus.DEFERRED)


def is_in_use() -> bool:
    return isinstance(task_backends["default"], LibraryRQBackend)


def retry_delays() -> list[int]:
    raw = getattr(settings, "CAREDESK_TASK_RETRY_DELAYS", DEFAULT_RETRY_DELAYS)
    return [max(int(d), 0) for d in raw] or [0]


def max_runs() -> int:
    return max(int(getattr(settings, "CAREDESK_TASK_MAX_RUNS", 5)), 1)


def retry() -> Retry | None:
    """Runs after the first, within ``CAREDESK_TASK_MAX_RUNS`` (None: run once only)."""
    if max_runs() <= 1:
        return None
    return Retry(max=max_runs() - 1, interval=retry_delays())


class RQBackend(LibraryRQBackend):
    """django-tasks-rq's backend, each task enqueued with a :func:`retry`.

    The library's ``enqueue`` builds the job with ``queue.create_job`` and no way to pass a
    retry; this is the same ``enqueue``, the retry added."""

    def enqueue(self, task: Task[Any, T], args: Any, kwargs: Any) -> TaskResult[T]:
        self.validate_task(task)
        task_result: TaskResult[T] = TaskResult(
            task=task,
            id=get_random_id(),
            status=TaskResultStatus.READY,
            enqueued_at=None,
            started_at=None,
            last_attempted_at=None,
            finished_at=None,
            args=args,
            kwargs=kwargs,
            backend=self.alias,
            errors=[],
            worker_ids=[],
        )
        queue = django_rq.get_queue(task.queue_name, job_class=Job, connection=connection())
        job = queue.create_job(
            task.module_path,
            args=args,
            kwargs=kwargs,
            job_id=task_result.id,
            status=JobStatus.SCHEDULED if task.run_after else JobStatus.QUEUED,
            on_failure=Callback(failed_callback),
            on_success=Callback(success_callback),
            meta={"backend_name": self.alias},
            retry=retry(),
        )
        if task.run_after is None:
            job = queue.enqueue_job(job, at_front=task.priority == TASK_MAX_PRIORITY)
        else:
            job = queue.schedule_job(job, task.run_after)
        object.__setattr__(task_result, "enqueued_at", job.enqueued_at)
        task_enqueued.send(type(self), task_result=task_result)
        return task_result


class Worker(SimpleWorker):
    """RQ's in-process worker (one process runs one task at a time, as ``db_worker``
    does), with Django's stale database connections closed around each task."""

    def execute_job(self, job: Any, queue: Any) -> Any:
        close_old_connections()
        try:
            return super().execute_job(job, queue)
        finally:
            close_old_connections()


def connection() -> Redis:
    """One client (and its connection pool) per Redis URL for the process, instead of the
    new one ``django_rq.get_connection`` makes on each call."""
    return _client(str(settings.RQ_QUEUES[QUEUE]["URL"]))


@functools.cache
def _client(url: str) -> Redis:
    return Redis.from_url(url, health_check_interval=30)


def key(name: str) -> str:
    return f"{settings.CAREDESK_REDIS_KEY_PREFIX}:{name}"


def run_worker(worker_id: str, *, burst: bool = False) -> bool:
    """Work the queue until stopped (a signal), or, with ``burst``, until it is empty."""
    queue = django_rq.get_queue(QUEUE, job_class=Job, connection=connection())
    worker = Worker([queue], connection=queue.connection, job_class=Job, name=worker_id)
    return bool(worker.work(with_scheduler=True, burst=burst, logging_level="WARNING"))


# The heartbeat chain -------------------------------------------------------------------


def pending_heartbeat() -> bool:
    """True while the last heartbeat enqueued still waits to run."""
    redis = connection()
    raw = redis.get(key("heartbeat"))
    if raw is None:
        return False
    try:
        job = Job.fetch(raw.decode() if isinstance(raw, bytes) else str(raw), connection=redis)
    except NoSuchJobError:
        return False
    return job.get_status() in WAITING


def _minute_key(at: datetime) -> str:
    return key(f"heartbeat:{at.astimezone(UTC):%Y%m%d%H%M}")


def claim_heartbeat_minute(at: datetime) -> bool:
    """True for the first to ask for a heartbeat in ``at``'s minute."""
    return bool(connection().set(_minute_key(at), "1", nx=True, ex=600))


def release_heartbeat_minute(at: datetime) -> None:
    connection().delete(_minute_key(at))


def remember_heartbeat(result_id: str) -> None:
    connection().set(key("heartbeat"), result_id, ex=24 * 3600)


# Queue figures for /readyz and /metrics ------------------------------------------------


def depth() -> int:
    """Tasks waiting: queued now, scheduled for later, or waiting for a retry."""
    queue = django_rq.get_queue(QUEUE, connection=connection())
    return int(queue.count) + len(queue.scheduled_job_registry)


def oldest_ready_seconds(now: datetime) -> float:
    queue = django_rq.get_queue(QUEUE, job_class=Job, connection=connection())
    ids = queue.get_job_ids(0, 0)
    if not ids:
        return 0.0
    job = queue.fetch_job(ids[0])
    if job is None or job.enqueued_at is None:
        return 0.0
    enqueued = job.enqueued_at if job.enqueued_at.tzinfo else job.enqueued_at.replace(tzinfo=UTC)
    return max(0.0, (now - enqueued).total_seconds())


# Recovery of the tasks of dead workers -------------------------------------------------


def recover_lost_jobs(
    now: datetime,
    lease_of: Any,
    why_lost: Any,
    *,
    dead_worker_ids: Collection[str] = (),
) -> tuple[int, int]:
    """Hand the started tasks of gone workers to RQ's retry (or fail them when their runs
    are used up). ``lease_of(worker_ids) -> {id: lease}`` and ``why_lost(...)`` are the
    database queue's own rules (:mod:`caredesk.core.recovery`). Returns (requeued, failed).
    """
    redis = connection()
    queue = django_rq.get_queue(QUEUE, job_class=Job, connection=connection())
    registry = StartedJobRegistry(queue=queue, job_class=Job)
    entries = registry.get_job_and_execution_ids()
    if not entries:
        return 0, 0
    executions = []
    for job_id, execution_id in entries:
        try:
            executions.append(Execution.fetch(execution_id, job_id, redis))
        except ValueError:  # its hash expired: RQ's own cleanup handles that one
            log.debug("execution %s of task %s is gone", execution_id, job_id)
    live = lease_of({e.worker_name for e in executions if e.worker_name})
    here = leases.host_identity()
    requeued = failed = 0
    for execution in executions:
        worker_id = execution.worker_name or None
        started = execution.created_at
        if started is not None and started.tzinfo is None:
            started = started.replace(tzinfo=UTC)
        reason = why_lost(worker_id, started, live.get(worker_id), now, dead_worker_ids, here)
        if reason is None:
            continue
        if not redis.set(key(f"recovered:{execution.id}"), "1", nx=True, ex=RECOVERED_KEEP_SECONDS):
            continue  # another recoverer took this one
        job = queue.fetch_job(execution.job_id)
        if job is None or job.get_status() != JobStatus.STARTED:
            continue
        with redis.pipeline() as pipe:
            registry.remove_executions(job, pipeline=pipe)
            if job.should_retry:
                job.retry(queue, pipe)
                requeued += 1
                outcome = "back in the queue"
            else:
                job.set_status(JobStatus.FAILED, pipeline=pipe)
                FailedJobRegistry(queue=queue, job_class=Job).add(
                    job, exc_string=f"caredesk gave up on it: {reason}", pipeline=pipe
                )
                failed += 1
                outcome = "failed: its runs are used up"
            pipe.execute()
        log.warning(
            "task %s (%s) was left running because %s; %s",
            job.id,
            job.func_name,
            reason,
            outcome,
        )
    return requeued, failed
