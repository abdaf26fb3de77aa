"""Promises: every commitment to a customer has an owner, a due time and a consequence.

Only :mod:`caredesk.promises.actions` writes these rows.
The due time and the next instant the engine must act (``alarm_at``) are stored and
indexed (house rule 6), so "what is due" is a range scan.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from caredesk.accounts.models import Team
from caredesk.tickets.models import Ticket


class Kind(models.TextChoices):
    CALLBACK = "callback", _("Call back")
    UPDATE = "update", _("Send an update")
    FIX = "fix", _("Fix the problem")
    DELIVERY = "delivery", _("Delivery")
    REFUND = "refund", _("Refund")
    # Checked against the policies' eligibility rules before they are promised.
    RETURN = "return", _("Accept a return")
    EXCHANGE = "exchange", _("Exchange")
    EXCEPTION = "exception", _("Make an exception")
    OTHER = "other", _("Other")


class State(models.TextChoices):
    OPEN = "open", _("Open")
    KEPT = "kept", _("Kept")
    MISSED = "missed", _("Missed")
    KEPT_LATE = "kept_late", _("Kept late")
    CANCELLED = "cancelled", _("Cancelled")


# States in which the promise still has to be done (and so shows as "next promise").
PENDING_STATES = (State.OPEN, State.MISSED)
# States that count as broken in the kept rate.
BROKEN_STATES = (State.MISSED, State.KEPT_LATE)


class KeptHow(models.TextChoices):
    CALL = "call", _("Call logged")
    REPLY = "reply", _("Public reply sent")
    RESOLVED = "resolved", _("Case resolved")
    MARKED = "marked", _("Marked kept")


class Promise(models.Model):
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="promises")
    # Copied from the case when the promise is made: history and reports per team.
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="promises"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    text = models.CharField(max_length=500)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="promises_owned",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_by_customer = models.BooleanField(default=False)
    customer_visible = models.BooleanField(default=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.OPEN)
    created_at = models.DateTimeField(default=timezone.now)
    due_at = models.DateTimeField()
    # Customer-requested callbacks: the number to call and the start of the preferred window.
    callback_number = models.CharField(max_length=40, blank=True)
    window_start = models.DateTimeField(null=True, blank=True)
    # Reminder before due (null: none needed, e.g. the promise was made inside the lead time).
    remind_at = models.DateTimeField(null=True, blank=True)
    reminded = models.BooleanField(default=False)
    # The next instant the engine must act: reminder, miss, or the customer update.
    alarm_at = models.DateTimeField(null=True, blank=True)
    missed_at = models.DateTimeField(null=True, blank=True)
    # The due time that was missed the first time (a later renegotiation does not undo a miss).
    missed_due_at = models.DateTimeField(null=True, blank=True)
    miss_count = models.PositiveIntegerField(default=0)
    escalated = models.BooleanField(default=False)
    escalated_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    taken_over_at = models.DateTimeField(null=True, blank=True)
    customer_updated = models.BooleanField(default=False)
    kept_at = models.DateTimeField(null=True, blank=True)
    kept_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    kept_how = models.CharField(max_length=10, choices=KeptHow.choices, blank=True)
    kept_note = models.TextField(blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_note = models.TextField(blank=True)
    renegotiations = models.PositiveIntegerField(default=0)
    # When the outcome was settled: kept → kept_at; broken → the missed due time.
    # The report's period filter is a range scan on this column.
    settled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("due_at", "id")
        indexes = [
            models.Index(
                fields=["alarm_at"],
                name="promise_alarm",
                condition=models.Q(alarm_at__isnull=False),
            ),
            models.Index(fields=["state", "due_at"], name="promise_state_due"),
            models.Index(fields=["ticket", "state"], name="promise_ticket_state"),
            models.Index(fields=["owner", "state", "due_at"], name="promise_owner_state_due"),
            models.Index(fields=["team", "kind", "kept_at"], name="promise_team_kind_kept"),
            models.Index(
                fields=["settled_at"],
                name="promise_settled",
                condition=models.Q(settled_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.text}"

    @property
    def is_pending(self) -> bool:
        return self.state in PENDING_STATES

    @property
    def is_broken(self) -> bool:
        return self.state in BROKEN_STATES


class PromiseChange(models.Model):
    """One change of due time or owner: the renegotiation and hand-over history."""

    class What(models.TextChoices):
        DUE = "due", _("Due time moved")
        OWNER = "owner", _("Owner changed")

    promise = models.ForeignKey(Promise, on_delete=models.CASCADE, related_name="changes")
    what = models.CharField(max_length=10, choices=What.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    old_due_at = models.DateTimeField(null=True, blank=True)
    new_due_at = models.DateTimeField(null=True, blank=True)
    old_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    new_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.TextField(blank=True)
    # The public reply that told the customer (renegotiations of visible promises).
    message = models.ForeignKey(
        "tickets.Message", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("created_at", "id")

    def __str__(self) -> str:
        return f"{self.what} on promise {self.promise_id}"


class PromiseTemplate(models.Model):
    """Admin-editable wording of the messages caredesk sends about promises."""

    class Name(models.TextChoices):
        MISSED_UPDATE = "missed_update", _("Honest update to the customer after a missed promise")
        KEPT_LATE = "kept_late", _("Notice to the customer that a promise was kept late")

    name = models.CharField(max_length=20, choices=Name.choices, unique=True)
    subject = models.CharField(
        max_length=255,
        blank=True,
        help_text="Django template; empty keeps the built-in subject. The case reference "
        "is always kept.",
    )
    text = models.TextField(
        help_text="Django template. Variables: promise_text, due_words, customer_name, "
        "next_step, lead_name, owner_name, reference; for the kept-late notice also "
        "kept_words and late_words."
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("name",)

    def __str__(self) -> str:
        return self.get_name_display()
