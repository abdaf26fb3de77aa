"""Rows the background machinery keeps for itself: worker leases and done-once claims."""

from __future__ import annotations

from django.db import models


class WorkerLease(models.Model):
    """A worker process that runs tasks says it is alive by renewing this row every few
    seconds (:mod:`caredesk.core.leases`). A task marked RUNNING whose worker has no live
    lease is put back in the queue by :mod:`caredesk.core.recovery`.

    ``worker_id`` is the id the worker gives django-tasks-db's ``db_worker``
    (``--worker-id``), so it is what the queue records in ``DBTaskResult.worker_ids``."""

    worker_id = models.CharField(max_length=64)
    host = models.CharField(max_length=255)
    pid = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    heartbeat_at = models.DateTimeField()
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        # A constraint, not unique=True: on PostgreSQL the latter adds a second
        # (LIKE) index that nothing here uses.
        constraints = [models.UniqueConstraint(fields=["worker_id"], name="unique_worker_lease")]

    def __str__(self) -> str:
        return f"{self.worker_id} ({self.host}, pid {self.pid})"


class EffectClaim(models.Model):
    """One side effect that has happened (a mail queued, a case acknowledged), by key.

    A task that may run twice (a worker died after its work committed, before the queue
    recorded it as done) claims its effect's key in the same transaction as the effect
    (:func:`caredesk.core.once.claim`): the second run finds the key and does nothing."""

    key = models.CharField(max_length=200)
    claimed_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["key"], name="unique_effect_claim")]

    def __str__(self) -> str:
        return self.key
