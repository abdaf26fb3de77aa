"""SLA configuration (calendars, policies, queue rules, routing) and per-case timer state.

The deadlines themselves live on the case row (``Ticket.*_due_at``, ``next_deadline_at``,
``sla_alarm_at``) where they are indexed (house rule 6); :class:`CaseSla` keeps the timer
internals the engine needs to recompute them.
"""

from __future__ import annotations

import zoneinfo
from datetime import time

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from caredesk.accounts.models import Team
from caredesk.customers.models import Tier
from caredesk.sla.calendar import (
    MINUTES_PER_DAY,
    Calendar,
    CalendarError,
    Interval,
    check_holiday_region,
)
from caredesk.tickets.models import Channel, Priority, Ticket


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"{value!r} is not a time zone name such as Europe/Berlin.")


class Weekday(models.IntegerChoices):
    MONDAY = 0, "Monday"
    TUESDAY = 1, "Tuesday"
    WEDNESDAY = 2, "Wednesday"
    THURSDAY = 3, "Thursday"
    FRIDAY = 4, "Friday"
    SATURDAY = 5, "Saturday"
    SUNDAY = 6, "Sunday"


class BusinessCalendar(models.Model):
    name = models.CharField(max_length=100, unique=True)
    time_zone = models.CharField(
        max_length=64,
        default="UTC",
        validators=[validate_time_zone],
        help_text="e.g. Europe/Berlin",
    )
    always_open = models.BooleanField(
        default=False, help_text="24/7: every hour counts, holidays included."
    )
    holiday_country = models.CharField(
        max_length=3, blank=True, help_text="ISO country code for public holidays, e.g. DE, US."
    )
    holiday_subdivision = models.CharField(
        max_length=10, blank=True, help_text="Optional state or region, e.g. BE (Berlin), NY."
    )
    description = models.TextField(blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("name",)

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        self.holiday_country = self.holiday_country.strip().upper()
        self.holiday_subdivision = self.holiday_subdivision.strip().upper()
        if self.holiday_subdivision and not self.holiday_country:
            raise ValidationError({"holiday_country": "A region needs its country."})
        if self.holiday_country:
            try:
                check_holiday_region(self.holiday_country, self.holiday_subdivision)
            except CalendarError as exc:
                raise ValidationError({"holiday_country": str(exc)}) from None

    def to_calendar(self) -> Calendar:
        """The pure calendar the deadline maths works with."""
        if self.always_open:
            return Calendar.always_open(self.time_zone)
        week: list[list[Interval]] = [[] for _ in range(7)]
        for row in self.hours.all():
            week[row.weekday].append(row.interval)
        return Calendar(
            tz=zoneinfo.ZoneInfo(self.time_zone),
            week=tuple(tuple(day) for day in week),
            closed_dates=frozenset(c.date for c in self.closed_dates.all()),
            holiday_country=self.holiday_country,
            holiday_subdivision=self.holiday_subdivision,
        )


def _minutes(value: time) -> int:
    return value.hour * 60 + value.minute


class WorkingHours(models.Model):
    """One working interval on a weekday. An end of 00:00 means midnight at the end of day."""

    calendar = models.ForeignKey(BusinessCalendar, on_delete=models.CASCADE, related_name="hours")
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    start = models.TimeField()
    end = models.TimeField(help_text="00:00 means midnight at the end of the day.")

    class Meta:
        ordering = ("weekday", "start")
        verbose_name_plural = "working hours"

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.start:%H:%M}-{self.end:%H:%M}"

    @property
    def interval(self) -> Interval:
        end = _minutes(self.end) or MINUTES_PER_DAY
        return (_minutes(self.start), end)

    def clean(self) -> None:
        if self.start is None or self.end is None:
            return
        start, end = self.interval
        if start >= end:
            raise ValidationError("The working interval must end after it starts.")


class ClosedDate(models.Model):
    """A day the desk is closed besides public holidays (company holiday, inventory…)."""

    calendar = models.ForeignKey(
        BusinessCalendar, on_delete=models.CASCADE, related_name="closed_dates"
    )
    date = models.DateField()
    reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ("date",)
        constraints = [
            models.UniqueConstraint(fields=["calendar", "date"], name="unique_closed_date")
        ]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.reason}".strip()


class SlaPolicy(models.Model):
    """Targets in business minutes, chosen for a case by its conditions (first match wins)."""

    name = models.CharField(max_length=100, unique=True)
    is_active = models.BooleanField(default=True)
    order = models.PositiveIntegerField(
        default=100, help_text="Policies are tried in this order (lowest first); first match wins."
    )
    calendar = models.ForeignKey(
        BusinessCalendar, on_delete=models.PROTECT, related_name="policies"
    )
    # Conditions: empty means "any".
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.CASCADE, related_name="sla_policies"
    )
    priority = models.CharField(max_length=10, choices=Priority.choices, blank=True)
    tier = models.CharField(max_length=16, choices=Tier.choices, blank=True)
    channel = models.CharField(max_length=10, choices=Channel.choices, blank=True)
    # Targets in business minutes; empty means no target of that kind.
    first_response_minutes = models.PositiveIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(525_600)]
    )
    next_response_minutes = models.PositiveIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(525_600)]
    )
    resolution_minutes = models.PositiveIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(525_600)]
    )
    warn_at_percent = models.PositiveSmallIntegerField(
        default=75,
        validators=[MinValueValidator(1), MaxValueValidator(99)],
        help_text="Warn the assignee when this share of a target has been used.",
    )
    # P14: a missed response target sends the customer an honest update instead of
    # silence (the "sla_breach_update" mail; at most one a case per calendar day).
    breach_update_first_response = models.BooleanField(
        default=True,
        help_text="When the first-response target is missed, mail the customer an honest update.",
    )
    breach_update_next_response = models.BooleanField(
        default=False,
        help_text="When a next-response target is missed, mail the customer an honest update.",
    )

    class Meta:
        ordering = ("order", "id")
        verbose_name = "SLA policy"
        verbose_name_plural = "SLA policies"

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if not (
            self.first_response_minutes or self.next_response_minutes or self.resolution_minutes
        ):
            raise ValidationError("Set at least one target.")

    def matches(self, *, team_id: int | None, priority: str, tier: str, channel: str) -> bool:
        return (
            (self.team_id is None or self.team_id == team_id)
            and (not self.priority or self.priority == priority)
            and (not self.tier or self.tier == tier)
            and (not self.channel or self.channel == channel)
        )


class CaseSla(models.Model):
    """Timer internals of one case. Written only by :mod:`caredesk.sla.actions`.

    Per target: the budget (business seconds), what was left at the anchor instant, and
    the anchor (null while paused). A target that is met or absent has a null budget.
    """

    ticket = models.OneToOneField(
        Ticket, primary_key=True, on_delete=models.CASCADE, related_name="sla_state"
    )
    policy = models.ForeignKey(SlaPolicy, null=True, on_delete=models.SET_NULL, related_name="+")
    frt_budget = models.IntegerField(null=True)
    frt_left = models.IntegerField(null=True)
    frt_anchor = models.DateTimeField(null=True)
    frt_warned = models.BooleanField(default=False)
    frt_breached = models.BooleanField(default=False)
    nrt_budget = models.IntegerField(null=True)
    nrt_left = models.IntegerField(null=True)
    nrt_anchor = models.DateTimeField(null=True)
    nrt_warned = models.BooleanField(default=False)
    nrt_breached = models.BooleanField(default=False)
    res_budget = models.IntegerField(null=True)
    res_left = models.IntegerField(null=True)
    res_anchor = models.DateTimeField(null=True)
    res_warned = models.BooleanField(default=False)
    res_breached = models.BooleanField(default=False)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "case SLA state"

    def __str__(self) -> str:
        return f"SLA state of case {self.ticket_id}"


class BoundClock(models.TextChoices):
    """Which clock a tier's maximum wait runs on."""

    BUSINESS = "business", "Business time of the case's calendar"
    WALL = "wall", "Round the clock (24/7)"


def bound_text(minutes: int, clock: str) -> str:
    """How a tier bound reads: ``"4 business hours"``, ``"90 business minutes"``,
    ``"270 business minutes (4 h 30 min)"``, ``"2 hours round the clock"``."""
    business = clock == BoundClock.BUSINESS
    unit = "business " if business else ""
    suffix = "" if business else " round the clock"
    hours, mins = divmod(minutes, 60)
    if hours and not mins:
        return f"{hours} {unit}hour{'s' if hours != 1 else ''}{suffix}"
    text = f"{minutes} {unit}minute{'s' if minutes != 1 else ''}{suffix}"
    return f"{text} ({hours} h {mins} min)" if hours else text


class TierRule(models.Model):
    """How the fair queue treats a tier: a weight on urgency and a maximum wait.

    The maximum wait counts business minutes of the case's calendar (the calendar of its
    SLA policy, as its SLA targets do) unless ``bound_clock`` is ``wall`` (a 24/7 tier).
    A case without an SLA policy has no calendar: its bound counts wall-clock minutes.
    """

    tier = models.CharField(max_length=16, choices=Tier.choices, unique=True)
    weight = models.FloatField(
        default=1.0,
        validators=[MinValueValidator(0.05), MaxValueValidator(20)],
        help_text=(
            "Below 1 makes the tier's cases more urgent: 0.5 queues a case as if its time "
            "left were half. 1 is neutral."
        ),
    )
    max_wait_minutes = models.PositiveIntegerField(
        "maximum wait (minutes)",
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(525_600)],
        help_text=(
            "A case of this tier that has waited this long is served before any newer "
            "case. Counted in business minutes of the case's calendar (the calendar of its "
            "SLA policy, like its SLA targets): 240 is 4 business hours, so a case that "
            "arrives at 16:00 on a 09:00-17:00 calendar reaches it at 12:00 the next "
            "working day. Choose round the clock below for a 24/7 tier."
        ),
    )
    bound_clock = models.CharField(
        "maximum wait counts",
        max_length=8,
        choices=BoundClock.choices,
        default=BoundClock.BUSINESS,
        help_text=(
            "Business time: only the open hours of the case's calendar count (nights, "
            "weekends and holidays do not). Round the clock: every minute counts."
        ),
    )

    class Meta:
        ordering = ("tier",)

    def __str__(self) -> str:
        return f"{self.get_tier_display()} (weight {self.weight:g})"

    @property
    def bound_label(self) -> str:
        """``"4 business hours"``; ``"no bound"`` without a maximum wait."""
        if not self.max_wait_minutes:
            return "no bound"
        return bound_text(self.max_wait_minutes, self.bound_clock)


class RoutingMode(models.TextChoices):
    OFF = "off", "Off (agents pick cases)"
    ROUND_ROBIN = "round_robin", "Round robin"
    LEAST_LOADED = "least_loaded", "Least loaded"


class TeamRouting(models.Model):
    """Automatic assignment of a team's new cases."""

    team = models.OneToOneField(Team, on_delete=models.CASCADE, related_name="routing")
    mode = models.CharField(max_length=16, choices=RoutingMode.choices, default=RoutingMode.OFF)
    last_assigned = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = "team routing"

    def __str__(self) -> str:
        return f"{self.team}: {self.get_mode_display()}"


class AgentCapacity(models.Model):
    """How many open cases an agent takes before automatic assignment skips them."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="capacity"
    )
    max_open_cases = models.PositiveIntegerField(default=20, validators=[MaxValueValidator(10_000)])

    class Meta:
        verbose_name_plural = "agent capacities"

    def __str__(self) -> str:
        return f"{self.user}: {self.max_open_cases}"


DEFAULT_CAPACITY = 20
