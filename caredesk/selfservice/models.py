"""Self-service request types (defined by admins) and the requests customers make (P15).

A customer picks a record, confirms, and it is done: caredesk records the request, tells
the business's system (an event, so a webhook), mails the customer what happens next
and shows the status in the portal. The business reports the outcome; a failure, or no
outcome before ``outcome_due_at`` (the ``selfservice.outcome`` deadline), opens a case.

Written only by :mod:`caredesk.selfservice.actions`.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone

from caredesk.customers.models import Customer
from caredesk.policies.models import Policy
from caredesk.records.models import Record, RecordLine
from caredesk.tickets.models import Ticket

MAX_NAME = 120
MAX_CONFIRMATION = 2000
MAX_REASON = 500
MAX_NOTE = 500
MAX_FIELD = 300
MAX_OUTCOME_HOURS = 24 * 30


class Kind(models.TextChoices):
    CANCEL_SUBSCRIPTION = "cancel_subscription", "Cancel a subscription"
    CHANGE_DELIVERY_SLOT = "change_delivery_slot", "Change a delivery slot"
    RETURN_LINE = "return_line", "Return an order line"
    UPDATE_CONTACT = "update_contact", "Update contact details"


# What the customer fills in, per kind (besides an optional note): field → required.
KIND_FIELDS: dict[str, dict[str, bool]] = {
    Kind.CANCEL_SUBSCRIPTION: {},
    Kind.CHANGE_DELIVERY_SLOT: {"slot": True},
    Kind.RETURN_LINE: {},
    Kind.UPDATE_CONTACT: {"phone": False, "address": False},
}
FIELD_LABELS = {"slot": "New delivery slot", "phone": "Phone", "address": "Postal address"}


class RequestType(models.Model):
    name = models.CharField(max_length=MAX_NAME, unique=True, help_text="What the customer reads.")
    kind = models.CharField(max_length=24, choices=Kind.choices)
    record_kinds: models.JSONField[Any] = models.JSONField(
        default=list,
        blank=True,
        help_text='Record kinds it applies to, e.g. ["subscription"]; empty: no record '
        "(contact details).",
    )
    policy = models.ForeignKey(
        Policy,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The policy whose eligibility rules are checked before it is accepted.",
    )
    confirmation_text = models.TextField(
        max_length=MAX_CONFIRMATION,
        help_text="What happens next: shown after confirming and sent in the confirmation mail.",
    )
    outcome_hours = models.PositiveIntegerField(
        default=48,
        help_text="No outcome from the business within this many hours opens a case for staff.",
    )
    offer_retention = models.BooleanField(
        default=False,
        help_text="Cancel page: show one retention offer (only when the P4 lock is open).",
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("name",)

    def __str__(self) -> str:
        return self.name

    @property
    def needs_record(self) -> bool:
        return bool(self.record_kinds)

    @property
    def needs_line(self) -> bool:
        return self.kind == Kind.RETURN_LINE

    @property
    def fields(self) -> dict[str, bool]:
        return KIND_FIELDS.get(self.kind, {})


class Status(models.TextChoices):
    REQUESTED = "requested", "Requested"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class SelfServiceRequest(models.Model):
    type = models.ForeignKey(RequestType, on_delete=models.PROTECT, related_name="requests")
    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="selfservice_requests"
    )
    record = models.ForeignKey(
        Record, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    line = models.ForeignKey(
        RecordLine, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # "type:record:line" (0 for none): one open request per customer and target.
    target = models.CharField(max_length=64)
    details: models.JSONField[Any] = models.JSONField(default=dict, blank=True)
    surface = models.CharField(max_length=10, default="portal")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.REQUESTED)
    reason = models.CharField(max_length=MAX_REASON, blank=True)
    outcome_at = models.DateTimeField(null=True, blank=True)
    # The ``selfservice.outcome`` deadline: no outcome by then opens a case. Set only
    # while requested and no case was opened for it yet.
    outcome_due_at = models.DateTimeField(null=True, blank=True)
    # The case opened for staff (a failure, or no outcome in time).
    ticket = models.ForeignKey(
        Ticket, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ("-requested_at", "-id")
        indexes = [
            models.Index(fields=["customer", "-requested_at"], name="selfservice_customer"),
            models.Index(
                fields=["outcome_due_at"],
                name="selfservice_outcome_due",
                condition=models.Q(outcome_due_at__isnull=False),
            ),
        ]
        constraints = [
            # A double submit finds the open request: one open request per type and target.
            models.UniqueConstraint(
                fields=["customer", "target"],
                condition=models.Q(status="requested"),
                name="one_open_selfservice_request",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.type_id} by {self.customer_id} ({self.status})"

    @property
    def is_open(self) -> bool:
        return self.status == Status.REQUESTED

    @property
    def label(self) -> str:
        target = f" — {self.record.label}" if self.record is not None else ""
        line = f" · {self.line.product}" if self.line is not None else ""
        return f"{self.type.name}{target}{line}"
