"""Deleting rows that only matter for a while (a periodic job, at most once an hour).

Each app lists its short-lived rows in ``settings.CAREDESK_PURGE_JOBS`` (``{what: dotted
path of purge(now) -> rows deleted}``), so core does not import the apps above it:

- API idempotency keys past their replay window (24 h);
- portal sign-in links a day after they expired (used or not);
- finished background-task results: successful ones after ``CAREDESK_TASK_RESULT_DAYS``
  (7), failed ones after ``CAREDESK_FAILED_TASK_RESULT_DAYS`` (30), so admins can still
  look into recent failures. Waiting and running tasks are never touched;
- done-once effect claims (``caredesk.core.once``) after 30 days, long after any task
  that could run again has.

Nothing here is case history: cases, messages and the audit log are kept. Deletes run in
slices of :data:`SLICE` rows (:func:`delete_in_slices`) so a large backlog never holds
long locks; whatever is left goes on the next run.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db.models import Model, QuerySet
from django.utils.module_loading import import_string
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from caredesk.core.models import EffectClaim
from caredesk.core.once import KEEP as CLAIMS_KEEP

log = logging.getLogger(__name__)

SLICE = 5_000
MAX_SLICES = 20  # per kind and run: at most 100,000 rows
EVERY = timedelta(hours=1)
_LOCK_KEY = "caredesk:retention:ran"


def delete_in_slices(rows: QuerySet[Model]) -> int:
    """Delete ``rows`` :data:`SLICE` at a time, at most :data:`MAX_SLICES` slices a run."""
    total = 0
    for _ in range(MAX_SLICES):
        ids = list(rows.values_list("pk", flat=True)[:SLICE])
        if not ids:
            break
        deleted, _ = rows.model._default_manager.filter(pk__in=ids).delete()
        total += deleted
        if len(ids) < SLICE:
            break
    return total


def purge_task_results(now: datetime) -> int:
    """Finished background-task results past their retention (failed ones kept longer)."""
    ok_days = int(getattr(settings, "CAREDESK_TASK_RESULT_DAYS", 7))
    failed_days = int(getattr(settings, "CAREDESK_FAILED_TASK_RESULT_DAYS", 30))
    results = DBTaskResult.objects.all()
    return delete_in_slices(
        results.filter(
            status=TaskResultStatus.SUCCESSFUL, finished_at__lt=now - timedelta(days=ok_days)
        )
    ) + delete_in_slices(
        results.filter(
            status=TaskResultStatus.FAILED, finished_at__lt=now - timedelta(days=failed_days)
        )
    )


def purge_effect_claims(now: datetime) -> int:
    """Done-once claims long after any task that could run again has."""
    return delete_in_slices(EffectClaim.objects.filter(claimed_at__lt=now - CLAIMS_KEEP))


def purge_jobs() -> dict[str, Callable[[datetime], int]]:
    paths: dict[str, str] = getattr(settings, "CAREDESK_PURGE_JOBS", {})
    return {what: import_string(path) for what, path in paths.items()}


def purge_now(now: datetime) -> dict[str, int]:
    """Delete what is past its retention; returns the number of rows per kind."""
    return {what: int(job(now)) for what, job in purge_jobs().items()}


def purge(now: datetime) -> str:
    """The periodic job: runs :func:`purge_now` at most once an hour (across workers)."""
    if not cache.add(_LOCK_KEY, now.isoformat(), timeout=int(EVERY.total_seconds())):
        return "not due"
    counts = purge_now(now)
    if any(counts.values()):
        log.info("retention: deleted %s", counts)
    return ", ".join(f"{n} {kind}" for kind, n in counts.items())
