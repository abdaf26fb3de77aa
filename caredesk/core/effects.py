"""Side effects run after the transaction that caused them commits (house rule 3)."""

from __future__ import annotations

import contextlib
import contextvars
import logging
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from django.db import DEFAULT_DB_ALIAS, router, transaction
from django.db.models.signals import pre_save

from caredesk.core.background import with_request_id

log = logging.getLogger(__name__)

_suppressed: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "caredesk_effects_suppressed", default=False
)


@contextlib.contextmanager
def suppress_effects() -> Iterator[None]:
    """Within this block, actions schedule no side effects (no mail, no tasks).

    For bulk data that is not real customer contact, such as the demo desk: the rows and
    audit events are written as usual, but nobody is notified about them.
    """
    token = _suppressed.set(True)
    try:
        yield
    finally:
        _suppressed.reset(token)


def after_commit(func: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
    """Run ``func(*args, **kwargs)`` once the current transaction commits (or now, outside one)."""
    if _suppressed.get():
        return

    def run() -> None:
        try:
            func(*args, **kwargs)
        except Exception:
            # A failed side effect must never undo or hide the committed change.
            log.exception("side effect %s failed", getattr(func, "__name__", func))

    transaction.on_commit(run, robust=False)


def enqueue_after_commit(task: Any, *args: Any, **kwargs: Any) -> None:
    """Enqueue a django-tasks task once the current transaction commits. Tasks take ids
    and re-check state.

    With the database queue (django-tasks-db) the task row is written inside the open
    transaction instead: no worker sees it before the commit, a rollback removes it, and
    a process killed between the commit and an enqueue that would follow it cannot lose
    the task. The row is then part of the change, one INSERT without a savepoint of its
    own: if it cannot be written, the change is not written either (a case whose
    acknowledgement task failed to queue would lose it silently). Other backends (the
    immediate one in tests, RQ) enqueue after the commit, where a failure is logged."""
    if _suppressed.get():
        return
    kwargs = with_request_id(task, kwargs)
    if _in_queue_transaction(task):
        task.enqueue(*args, **kwargs)
        return
    group = _grouped.get()
    if group is not None and not _suppressed.get():
        transaction.on_commit(lambda: group.append((task, args, kwargs)), robust=False)
        return
    after_commit(task.enqueue, *args, **kwargs)


_grouped: contextvars.ContextVar[list[tuple[Any, tuple[Any, ...], dict[str, Any]]] | None] = (
    contextvars.ContextVar("caredesk_grouped_enqueues", default=None)
)


@contextlib.contextmanager
def grouped_enqueues() -> Iterator[None]:
    """Tasks enqueued after commit inside this block are enqueued together, in one
    transaction, once the block ends (for batch work: one commit instead of one per task).

    Wrap the whole transaction with it. Each task is still enqueued only if the
    transaction (or savepoint) that asked for it committed; a task that fails to enqueue
    is logged, like any failed side effect. If the group as a whole cannot be written,
    the tasks are enqueued one by one.

    With the database queue, tasks asked for inside a transaction are written in that
    transaction (see :func:`enqueue_after_commit`) and bypass the group."""
    pending: list[tuple[Any, tuple[Any, ...], dict[str, Any]]] = []
    token = _grouped.set(pending)
    try:
        yield
    finally:
        _grouped.reset(token)
    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(lambda: _flush(pending), robust=False)
    else:
        _flush(pending)


def _in_queue_transaction(task: Any) -> bool:
    """True when ``task`` goes to the database queue and a transaction is open on it."""
    try:
        from django_tasks_db.backend import DatabaseBackend
        from django_tasks_db.models import DBTaskResult
    except ImportError:  # pragma: no cover - the database backend is a dependency
        return False
    if type(task.get_backend()) is not DatabaseBackend:
        return False
    alias = router.db_for_write(DBTaskResult)
    return transaction.get_connection(alias).in_atomic_block and alias == DEFAULT_DB_ALIAS


def _enqueue_logged(task: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    try:
        task.enqueue(*args, **kwargs)
    except Exception:
        log.exception("side effect %s failed", getattr(task, "name", task))


def _flush(pending: list[tuple[Any, tuple[Any, ...], dict[str, Any]]]) -> None:
    if not pending:
        return
    if len(pending) == 1:
        _enqueue_logged(*pending[0])
        return
    try:
        with transaction.atomic():
            if not _bulk_insert_db_tasks(pending):
                for task, args, kwargs in pending:
                    task.enqueue(*args, **kwargs)
    except Exception:
        log.warning("enqueueing %s tasks together failed; one by one", len(pending), exc_info=True)
        for item in pending:
            _enqueue_logged(*item)


def _bulk_insert_db_tasks(pending: list[tuple[Any, tuple[Any, ...], dict[str, Any]]]) -> bool:
    """With the django-tasks-db backend, one multi-row INSERT for the whole group (what
    its ``enqueue`` writes row by row). False when another backend is in use."""
    try:
        from django_tasks_db.backend import DatabaseBackend
        from django_tasks_db.compat import normalize_json, task_enqueued
        from django_tasks_db.models import DBTaskResult
    except ImportError:  # pragma: no cover - the database backend is a dependency
        return False
    backends = [task.get_backend() for task, _, _ in pending]
    if not all(type(b) is DatabaseBackend for b in backends):
        return False
    rows: list[Any] = []
    for backend, (task, args, kwargs) in zip(backends, pending, strict=True):
        backend.validate_task(task)
        rows.append(
            # The id is the model's default (a UUID), as the backend's own enqueue makes it
            # when no OPTIONS["id_function"] is set, and caredesk sets none.
            DBTaskResult(
                args_kwargs=normalize_json({"args": args, "kwargs": kwargs}),
                priority=task.priority,
                task_path=task.module_path,
                queue_name=task.queue_name,
                run_after=task.run_after,
                backend_name=backend.alias,
            )
        )
    for row in rows:  # bulk_create sends no pre_save; the backend fills run_after there
        pre_save.send(
            sender=DBTaskResult,
            instance=row,
            raw=False,
            using=DBTaskResult.objects.db,
            update_fields=None,
        )
    DBTaskResult.objects.bulk_create(rows)
    for backend, row in zip(backends, rows, strict=True):
        task_enqueued.send(type(backend), task_result=row.task_result)
    return True


def run_each(func: Callable[[int], Any], ids: Iterable[int]) -> None:
    """Run ``func`` for each id; one failing id does not stop the others. For tasks that
    take the ids of one batch. Failures are logged, then raised together at the end so
    the task's result shows them."""
    failed = []
    for pk in ids:
        try:
            func(pk)
        except Exception:
            log.exception("%s failed for %s", getattr(func, "__name__", func), pk)
            failed.append(pk)
    if failed:
        raise RuntimeError(f"{getattr(func, '__name__', func)} failed for {failed}")
