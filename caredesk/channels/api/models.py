"""Rows the REST API keeps for itself: stored responses for idempotent creates."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils import timezone

from caredesk.accounts.models import ApiToken


class IdempotencyKey(models.Model):
    """One ``Idempotency-Key`` a token used on a POST, and the response it got.

    The same key with the same request replays ``response_body``; with a different
    request it is refused. Rows older than the replay window may be purged.
    """

    token = models.ForeignKey(ApiToken, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=200)
    # sha256 of method, path and body: what "the same request" means.
    fingerprint = models.CharField(max_length=64)
    response_status = models.PositiveSmallIntegerField()
    response_body: models.JSONField[Any] = models.JSONField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["token", "key"], name="unique_idempotency_key")
        ]
        indexes = [models.Index(fields=["created_at"], name="idempotency_created")]

    def __str__(self) -> str:
        return f"{self.key} ({self.response_status})"
