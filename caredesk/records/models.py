"""Customer records: orders, subscriptions, bookings pushed by the business's systems.

Only :mod:`caredesk.records.actions` writes these rows. A record belongs to a customer or
to an organization (exactly one); its external id is unique per (kind, owner): the same
order number may exist at two different customers of two shops, never twice for one
owner. The kinds are a setting (``CAREDESK_RECORD_KINDS``), so a new kind needs no
migration.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from caredesk.customers.models import Customer, Organization
from caredesk.tickets.models import Ticket


class Source(models.TextChoices):
    API = "api", "API"
    CSV = "csv", "CSV import"
    STAFF = "staff", "Staff"


class Record(models.Model):
    kind = models.CharField(max_length=32)
    external_id = models.CharField(max_length=100)
    customer = models.ForeignKey(
        Customer, null=True, blank=True, on_delete=models.CASCADE, related_name="records"
    )
    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.CASCADE, related_name="records"
    )
    title = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=40, blank=True)
    starts_at = models.DateTimeField(null=True, blank=True)
    ends_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    renews_at = models.DateTimeField(null=True, blank=True)
    amount = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    currency = models.CharField(max_length=3, blank=True)
    attributes = models.JSONField(default=dict, blank=True)
    source = models.CharField(max_length=8, choices=Source.choices, default=Source.API)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("-created_at", "-id")
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(customer__isnull=False, organization__isnull=True)
                    | models.Q(customer__isnull=True, organization__isnull=False)
                ),
                name="record_one_owner",
            ),
            models.UniqueConstraint(
                fields=["kind", "customer", "external_id"],
                condition=models.Q(customer__isnull=False),
                name="record_unique_per_customer",
            ),
            models.UniqueConstraint(
                fields=["kind", "organization", "external_id"],
                condition=models.Q(organization__isnull=False),
                name="record_unique_per_organization",
            ),
        ]
        indexes = [
            models.Index(fields=["customer", "-created_at"], name="record_customer_created"),
            models.Index(fields=["organization", "-created_at"], name="record_org_created"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.external_id}"

    @property
    def label(self) -> str:
        title = f" — {self.title}" if self.title else ""
        return f"{self.kind.capitalize()} {self.external_id}{title}"


class RecordLine(models.Model):
    record = models.ForeignKey(Record, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveIntegerField(default=0)
    product = models.CharField(max_length=200)
    # Stored lower-case and trimmed, so rules compare categories exactly.
    category = models.CharField(max_length=100, blank=True)
    quantity = models.PositiveIntegerField(default=1)
    price = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    attributes = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ("record", "position", "id")

    def __str__(self) -> str:
        return f"{self.quantity} x {self.product}"


class CaseRecordLink(models.Model):
    """The record (and optionally the line) a case is about."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="record_links")
    record = models.ForeignKey(Record, on_delete=models.CASCADE, related_name="case_links")
    line = models.ForeignKey(
        RecordLine, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    linked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    linked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("linked_at", "id")
        constraints = [
            models.UniqueConstraint(fields=["ticket", "record"], name="one_link_per_case_record")
        ]

    def __str__(self) -> str:
        return f"case {self.ticket_id} ↔ record {self.record_id}"
