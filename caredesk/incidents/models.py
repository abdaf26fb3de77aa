"""Incidents (P14): one problem that affects many customers, told to each of them before
they have to ask. Only ``caredesk.incidents.actions`` (and its fan-out) writes these rows.

The audience is fixed when the incident is declared (:class:`Affected`, one row per
customer), so an update reaches exactly the customers it was declared for, the portal
banner and the linking of new cases are index lookups by customer, and a retry of the
fan-out finds what it already did (:class:`Notice`, unique per update and customer).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from caredesk.customers.models import Customer
from caredesk.tickets.models import Ticket

MAX_TITLE = 200
MAX_TEXT = 5000


class IncidentStatus(models.TextChoices):
    OPEN = "open", _("Open")
    RESOLVED = "resolved", _("Resolved")


class Incident(models.Model):
    title = models.CharField(max_length=MAX_TITLE)
    # What the customers read (mail and portal banner): the declared text.
    public_text = models.TextField()
    status = models.CharField(
        max_length=10, choices=IncidentStatus.choices, default=IncidentStatus.OPEN
    )
    # How the audience was chosen (organizations, tiers, tags, record attributes, list),
    # shown on the incident page; the customers themselves are the Affected rows.
    audience_rule: models.JSONField[Any] = models.JSONField(default=dict, blank=True)
    audience_count = models.PositiveIntegerField(default=0)
    declared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    declared_at = models.DateTimeField()
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-declared_at", "-id")
        indexes = [models.Index(fields=["status", "-declared_at"], name="incident_status")]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.status == IncidentStatus.OPEN


class Affected(models.Model):
    """One customer an incident affects."""

    # Indexed by the unique constraint (incident, customer).
    incident = models.ForeignKey(
        Incident, on_delete=models.CASCADE, related_name="affected", db_index=False
    )
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["incident", "customer"], name="affected_once")
        ]
        # "Which open incidents affect this customer?" (portal banner, new cases).
        indexes = [models.Index(fields=["customer", "incident"], name="affected_customer")]

    def __str__(self) -> str:
        return f"customer {self.customer_id} in incident {self.incident_id}"


class IncidentUpdate(models.Model):
    """What we told the affected customers, in order. The declaration is the first one;
    the resolution is the last (``is_resolution``). Essential updates reach customers who
    unsubscribed from incident updates too."""

    # Indexed by incident_update_latest (incident, -posted_at).
    incident = models.ForeignKey(
        Incident, on_delete=models.CASCADE, related_name="updates", db_index=False
    )
    body = models.TextField()
    essential = models.BooleanField(default=False)
    is_resolution = models.BooleanField(default=False)
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    posted_at = models.DateTimeField()
    # Filled by the fan-out when every affected customer has a Notice.
    fanned_out_at = models.DateTimeField(null=True, blank=True)
    mailed = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ("-posted_at", "-id")
        indexes = [models.Index(fields=["incident", "-posted_at"], name="incident_update_latest")]

    def __str__(self) -> str:
        return f"update {self.pk} of incident {self.incident_id}"


class NoticeOutcome(models.TextChoices):
    MAILED = "mailed", _("Mailed")
    UNSUBSCRIBED = "unsubscribed", _("Unsubscribed (non-essential update)")
    NO_ADDRESS = "no_address", _("No mail address")


class Notice(models.Model):
    """One update told to one customer: the idempotency key of the fan-out (a retry never
    mails a customer twice about the same update)."""

    # Indexed by the unique constraint (update, customer).
    update = models.ForeignKey(
        IncidentUpdate, on_delete=models.CASCADE, related_name="notices", db_index=False
    )
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    outcome = models.CharField(max_length=12, choices=NoticeOutcome.choices)
    outbound_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["update", "customer"], name="notice_once")]

    def __str__(self) -> str:
        return f"update {self.update_id} to customer {self.customer_id}: {self.outcome}"


class OptOut(models.Model):
    """The customer unsubscribed from non-essential incident updates (from the mail link)."""

    customer = models.OneToOneField(Customer, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"customer {self.customer_id} unsubscribed"


class LinkedCase(models.Model):
    """A case an affected customer opened while the incident was open."""

    # Indexed by incident_cases (incident, -linked_at).
    incident = models.ForeignKey(
        Incident, on_delete=models.CASCADE, related_name="cases", db_index=False
    )
    ticket = models.OneToOneField(Ticket, on_delete=models.CASCADE, related_name="+")
    linked_at = models.DateTimeField()
    # The automatic answer with the latest update (a public reply on the case).
    answer_message_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ("-linked_at", "-id")
        indexes = [models.Index(fields=["incident", "-linked_at"], name="incident_cases")]

    def __str__(self) -> str:
        return f"case {self.ticket_id} in incident {self.incident_id}"
