"""Pre-aggregated report rows (house rule 8): a report costs the same at 10k and 10M cases."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils import timezone

from caredesk.customers.models import Tier


class WaitingMetric(models.TextChoices):
    FIRST_RESPONSE = "first_response", "First response"
    RESOLUTION = "resolution", "Resolution"


class WaitingDay(models.Model):
    """How long customers of one tier waited, for cases answered/resolved on one day.

    ``buckets`` is a histogram over ``caredesk.reports.aggregates.BUCKET_BOUNDS`` (minutes),
    so percentiles over any date range come from summing rows, never from the cases.
    """

    day = models.DateField()
    tier = models.CharField(max_length=16, choices=Tier.choices)
    metric = models.CharField(max_length=20, choices=WaitingMetric.choices)
    count = models.PositiveIntegerField(default=0)
    total_minutes = models.BigIntegerField(default=0)
    buckets: models.JSONField[Any] = models.JSONField(default=list)
    computed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("day", "tier", "metric")
        constraints = [
            models.UniqueConstraint(fields=["day", "tier", "metric"], name="unique_waiting_day")
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.tier} {self.metric}: {self.count}"


class AggregateRun(models.Model):
    """When an aggregate was last refreshed, so the periodic job knows when to run again."""

    name = models.CharField(max_length=50, unique=True)
    last_run_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} at {self.last_run_at}"
