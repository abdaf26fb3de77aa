"""The spine's tables. Core sits below every app, so rows here refer to cases and people
by id only (no foreign key points up a layer)."""

from __future__ import annotations

from typing import Any

from django.db import models


class Event(models.Model):
    """One domain event ("case.created", "promise.missed", …), appended in the same
    transaction as the change it describes. Rows are never updated or deleted.

    The event log is what machines read (webhooks, automations, cross-app reactions);
    the case's audit log (``tickets.AuditEvent``) is what people read. ``tickets.audit``
    writes both in one place, so they cannot disagree."""

    kind = models.CharField(max_length=60)
    # The case the event is about, if any (tickets sit above core: an id, not a key).
    ticket_id = models.BigIntegerField(null=True, blank=True)
    actor_id = models.BigIntegerField(null=True, blank=True)
    actor_label = models.CharField(max_length=200, blank=True)
    data: models.JSONField[Any] = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ("id",)
        indexes = [
            models.Index(fields=["ticket_id", "id"], name="event_ticket"),
            models.Index(fields=["kind", "id"], name="event_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not kwargs.get("force_insert"):
            raise ValueError("The event log is append-only")
        super().save(*args, **kwargs)
