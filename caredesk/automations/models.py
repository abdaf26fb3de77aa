"""Automations: "when this happens (or this long in a state), if these hold, do that".

Only :mod:`caredesk.automations.actions` writes these rows. Conditions and actions are
validated JSON (``caredesk.automations.conditions`` and ``steps``); every change an
automation makes goes through the owning app's ``do_*`` action, audited under the
automation's name (docs/automations.md, docs/adr/0029-automations.md).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from caredesk.automations import notices  # noqa: F401  (the notice kind, registered at start)
from caredesk.tickets.models import Ticket


class Trigger(models.TextChoices):
    EVENT = "event", _("When something happens")
    TIME = "time", _("When a case stays in a state")


class TimeState(models.TextChoices):
    STATUS = "status", _("In a status")
    UNASSIGNED = "unassigned", _("Unassigned")


class Automation(models.Model):
    name = models.CharField(max_length=120)
    # Automations run in this order (lowest first) for the same event.
    position = models.PositiveIntegerField(default=0)
    active = models.BooleanField(default=True)
    trigger = models.CharField(max_length=10, choices=Trigger.choices, default=Trigger.EVENT)
    # Event automations: the event kinds they follow (caredesk.automations.kinds).
    events = models.JSONField(default=list, blank=True)
    # Time automations: the state, how long, and whether only business time counts.
    time_state = models.CharField(max_length=12, choices=TimeState.choices, blank=True)
    time_status = models.CharField(max_length=20, blank=True)
    time_minutes = models.PositiveIntegerField(null=True, blank=True)
    time_business = models.BooleanField(default=False)
    conditions = models.JSONField(default=dict, blank=True)
    actions = models.JSONField(default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    run_count = models.PositiveIntegerField(default=0)
    last_run_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("position", "id")
        indexes = [models.Index(fields=["active", "trigger", "position"], name="automation_active")]

    def __str__(self) -> str:
        return self.name


class Timer(models.Model):
    """One time automation's clock on one case: started when the case entered the
    state, due ``due_at`` (indexed; ``core.deadlines`` fires it once), deleted when the
    case leaves the state."""

    # Indexed by the unique constraint (automation first); the ticket by its own FK index.
    automation = models.ForeignKey(
        Automation, on_delete=models.CASCADE, related_name="timers", db_index=False
    )
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="+")
    started_at = models.DateTimeField()
    due_at = models.DateTimeField(null=True, blank=True)
    fired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["automation", "ticket"], name="one_timer_per_case")
        ]
        indexes = [
            models.Index(
                fields=["due_at"],
                name="automation_timer_due",
                condition=models.Q(due_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"timer {self.automation_id} on case {self.ticket_id}"


class Outcome(models.TextChoices):
    DONE = "done", _("Done")
    PARTLY = "partly", _("Partly done")
    REFUSED = "refused", _("Refused")


class Run(models.Model):
    """What one run of an automation did on a case (its page lists the recent ones)."""

    # Indexed by automation_run_recent (automation first).
    automation = models.ForeignKey(
        Automation, on_delete=models.CASCADE, related_name="runs", db_index=False
    )
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="+")
    at = models.DateTimeField()
    cause = models.CharField(max_length=60)  # the event kind, or "time"
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    done = models.JSONField(default=list)
    refused = models.JSONField(default=list)

    class Meta:
        indexes = [
            models.Index(fields=["automation", "-at", "-id"], name="automation_run_recent"),
        ]

    def __str__(self) -> str:
        return f"run of {self.automation_id} on case {self.ticket_id} ({self.outcome})"
