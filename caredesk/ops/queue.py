"""What the operations views may know about the task queue, whatever the backend."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db.models import Min
from django_tasks_db.models import DBTaskResult, get_date_max

from caredesk.core import redis_queue


def backend_name() -> str:
    return str(settings.TASKS["default"]["BACKEND"]).rsplit(".", 1)[-1]


def is_database_queue() -> bool:
    return str(settings.TASKS["default"]["BACKEND"]).startswith("django_tasks_db")


def needs_worker() -> bool:
    """Backends that run tasks at once in the calling process need no worker."""
    return not str(settings.TASKS["default"]["BACKEND"]).endswith(
        ("ImmediateBackend", "DummyBackend")
    )


def depth() -> int | None:
    """Tasks ready to run now or later; None when the queue is not visible from here."""
    if redis_queue.is_in_use():
        return redis_queue.depth()
    if not is_database_queue():
        return None
    return DBTaskResult.objects.filter(status="READY").count()


def oldest_ready_seconds(now: datetime) -> float | None:
    """How long the longest-waiting runnable task has been due (0.0 when none is)."""
    if redis_queue.is_in_use():
        return redis_queue.oldest_ready_seconds(now)
    if not is_database_queue():
        return None
    ready = DBTaskResult.objects.ready()
    timed = ready.exclude(run_after=get_date_max()).aggregate(first=Min("run_after"))["first"]
    untimed = ready.filter(run_after=get_date_max()).aggregate(first=Min("enqueued_at"))["first"]
    since = [t for t in (timed, untimed) if t is not None]
    if not since:
        return 0.0
    return max(0.0, (now - min(since)).total_seconds())
