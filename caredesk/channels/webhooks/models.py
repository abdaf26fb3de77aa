"""Outbound webhooks: endpoints that admins register, and one delivery row per event sent
to each matching endpoint (the delivery log). See docs/webhooks.md."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import Q

from caredesk.accounts.models import User
from caredesk.core.models import Event

MAX_URL = 2000
MAX_DESCRIPTION = 500


class Endpoint(models.Model):
    """A URL that receives signed POSTs for the event kinds it subscribes to.

    Only the endpoint's own columns are written by the delivery engine (failure count and
    the sending lease); everything an admin changes goes through ``actions``."""

    url = models.CharField(max_length=MAX_URL)
    description = models.CharField(max_length=MAX_DESCRIPTION, blank=True)
    # Event kinds and wildcards: ["case.created", "promise.*"] or ["*"].
    events: models.JSONField[Any] = models.JSONField(default=list)
    is_active = models.BooleanField(default=True)
    # The signing secret, encrypted with a key derived from SECRET_KEY (signing.py). The
    # plain secret is shown once, when created or rotated; the prefix tells secrets apart.
    secret_encrypted = models.TextField()
    secret_prefix = models.CharField(max_length=16)
    secret_rotated_at = models.DateTimeField()
    created_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    disabled_at = models.DateTimeField(null=True, blank=True)
    disabled_reason = models.CharField(max_length=500, blank=True)
    # Failed attempts since the last success, and when that run of failures began.
    consecutive_failures = models.PositiveIntegerField(default=0)
    failing_since = models.DateTimeField(null=True, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    # One worker at a time sends to an endpoint, so deliveries go out in order.
    lease_token = models.CharField(max_length=32, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("id",)

    def __str__(self) -> str:
        return self.description or self.url[:80]


class DeliveryState(models.TextChoices):
    PENDING = "pending", "Waiting"  # not yet sent, or retrying (see next_attempt_at)
    SUCCEEDED = "succeeded", "Delivered"
    FAILED = "failed", "Gave up"
    CANCELLED = "cancelled", "Not sent (endpoint disabled)"


class Delivery(models.Model):
    """One event for one endpoint, with the outcome of its latest attempt."""

    endpoint = models.ForeignKey(
        Endpoint, on_delete=models.CASCADE, related_name="deliveries", db_index=False
    )
    event = models.ForeignKey(Event, on_delete=models.PROTECT, related_name="+", db_index=False)
    kind = models.CharField(max_length=60)  # the event's kind, for the log without a join
    state = models.CharField(
        max_length=10, choices=DeliveryState.choices, default=DeliveryState.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_latency_ms = models.PositiveIntegerField(null=True, blank=True)
    last_response_excerpt = models.TextField(blank=True)
    last_error = models.TextField(blank=True)
    # A redelivery is a new row for the same event (a new delivery id, signed afresh).
    redelivery_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    requested_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ("-id",)
        verbose_name_plural = "deliveries"
        indexes = [
            # The delivery log of one endpoint, newest first.
            models.Index(fields=["endpoint", "id"], name="webhook_delivery_log"),
            # Each endpoint's queue: its waiting delivery with the lowest event id is next.
            models.Index(
                fields=["endpoint", "event", "id"],
                name="webhook_delivery_queue",
                condition=Q(state="pending"),
            ),
            # What is due: a range scan over waiting rows only.
            models.Index(
                fields=["next_attempt_at"],
                name="webhook_delivery_due",
                condition=Q(state="pending"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} to endpoint {self.endpoint_id} ({self.state})"
