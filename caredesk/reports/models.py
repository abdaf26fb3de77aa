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


class CareCounts(models.Model):
    """The counts of one day and one combination of dimensions (docs/reports.md has the
    definitions). Rows are sparse: only combinations that occur get a row."""

    day = models.DateField()
    # Plain ids, 0 for "none": the dimension columns stay comparable and unique without
    # NULLs, and deleting a team or person never rewrites history.
    team_id = models.PositiveIntegerField(default=0)
    opened = models.PositiveIntegerField(default=0)
    resolved = models.PositiveIntegerField(default=0)
    fcr_yes = models.PositiveIntegerField(default=0)
    fcr_pending = models.PositiveIntegerField(default=0)
    reopened = models.PositiveIntegerField(default=0)
    repeat_contacts = models.PositiveIntegerField(default=0)
    # Ended abusive conversations (P10): counted here and in ``opened``/``backlog`` only,
    # never in the figures above or below.
    protected = models.PositiveIntegerField(default=0)
    backlog = models.PositiveIntegerField(default=0)  # open at the end of the day
    first_responses = models.PositiveIntegerField(default=0)
    first_response_minutes = models.BigIntegerField(default=0)
    # Histogram of first-response minutes over aggregates.BUCKET_BOUNDS (as WaitingDay).
    first_response_buckets: models.JSONField[Any] = models.JSONField(default=list)
    promises_kept = models.PositiveIntegerField(default=0)
    promises_missed = models.PositiveIntegerField(default=0)
    handle_seconds = models.BigIntegerField(default=0)
    # Satisfaction ratings (docs/csat.md) first given that day, by their current value.
    csat_good = models.PositiveIntegerField(default=0)
    csat_neutral = models.PositiveIntegerField(default=0)
    csat_bad = models.PositiveIntegerField(default=0)
    computed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        abstract = True


class CareDay(CareCounts):
    """Day x team x agent x channel x tier. Every case counts in exactly one row per day."""

    agent_id = models.PositiveIntegerField(default=0)
    channel = models.CharField(max_length=10)
    tier = models.CharField(max_length=16, choices=Tier.choices)

    class Meta:
        ordering = ("day", "team_id", "agent_id", "channel", "tier")
        constraints = [
            models.UniqueConstraint(
                fields=["day", "team_id", "agent_id", "channel", "tier"], name="unique_care_day"
            )
        ]
        indexes = [models.Index(fields=["team_id", "day"], name="care_day_team")]

    def __str__(self) -> str:
        return f"{self.day} team {self.team_id} agent {self.agent_id} {self.channel} {self.tier}"


class CareTeamDay(CareCounts):
    """Rollup of ``CareDay``: day x team x tier. Written by the same refresh from the same
    figures; the dashboard's days, teams, tiers and response times read this one."""

    tier = models.CharField(max_length=16, choices=Tier.choices)

    class Meta:
        ordering = ("day", "team_id", "tier")
        constraints = [
            models.UniqueConstraint(fields=["day", "team_id", "tier"], name="unique_care_team_day")
        ]
        indexes = [models.Index(fields=["team_id", "day"], name="care_team_day_team")]

    def __str__(self) -> str:
        return f"{self.day} team {self.team_id} {self.tier}"


class CareChannelDay(CareCounts):
    """Rollup of ``CareDay``: day x team x channel, for the per-channel table."""

    channel = models.CharField(max_length=10)

    class Meta:
        ordering = ("day", "team_id", "channel")
        constraints = [
            models.UniqueConstraint(
                fields=["day", "team_id", "channel"], name="unique_care_channel_day"
            )
        ]
        indexes = [models.Index(fields=["team_id", "day"], name="care_channel_day_team")]

    def __str__(self) -> str:
        return f"{self.day} team {self.team_id} {self.channel}"


class CareAgentDay(CareCounts):
    """Rollup of ``CareDay`` by day x team x agent, for the per-agent table."""

    agent_id = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ("day", "team_id", "agent_id")
        constraints = [
            models.UniqueConstraint(
                fields=["day", "team_id", "agent_id"], name="unique_care_agent_day"
            )
        ]
        indexes = [models.Index(fields=["team_id", "day"], name="care_agent_day_team")]

    def __str__(self) -> str:
        return f"{self.day} team {self.team_id} agent {self.agent_id}"


class CareTagDay(CareCounts):
    """Day x team x tag. A case with two tags counts under both; untagged cases under ""."""

    tag = models.CharField(max_length=50, blank=True)

    class Meta:
        ordering = ("day", "team_id", "tag")
        constraints = [
            models.UniqueConstraint(fields=["day", "team_id", "tag"], name="unique_care_tag_day")
        ]
        indexes = [models.Index(fields=["team_id", "day"], name="care_tag_day_team")]

    def __str__(self) -> str:
        return f"{self.day} team {self.team_id} tag {self.tag!r}"
