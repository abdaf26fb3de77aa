"""Legal holds, retention rules and the marks erasure leaves behind."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from caredesk.customers.models import Customer, Organization
from caredesk.tickets.models import Ticket


class LegalHold(models.Model):
    """While a hold is in place (not lifted), nothing of the customer's may be erased:
    neither by an erasure request nor by a retention rule."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="legal_holds")
    reason = models.CharField(max_length=500)
    placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    placed_at = models.DateTimeField(default=timezone.now)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    lifted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-placed_at", "-id")
        constraints = [
            models.UniqueConstraint(
                fields=["customer"],
                condition=models.Q(lifted_at__isnull=True),
                name="one_active_legal_hold",
            )
        ]

    def __str__(self) -> str:
        state = "lifted" if self.lifted_at else "active"
        return f"Legal hold on {self.customer_id} ({state})"


class RetentionRule(models.Model):
    """Erase the content of an organization's cases this many months after they closed."""

    organization = models.OneToOneField(
        Organization, on_delete=models.CASCADE, related_name="retention_rule"
    )
    closed_case_months = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(240)],
        help_text="Months after a case is closed before its content is erased (1 to 240).",
    )
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.organization}: erase closed cases after {self.closed_case_months} months"


class ErasedCase(models.Model):
    """A case whose personal content was erased; its row, timings and audit shape stay,
    so reports and the audit trail keep adding up."""

    class Reason(models.TextChoices):
        REQUEST = "request", "Erasure request"
        RETENTION = "retention", "Retention rule"

    ticket = models.OneToOneField(Ticket, on_delete=models.CASCADE, related_name="erasure")
    reason = models.CharField(max_length=10, choices=Reason.choices)
    erased_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"case {self.ticket_id} erased ({self.reason})"


class ErasedCustomer(models.Model):
    """A customer whose personal data was erased on request."""

    customer = models.OneToOneField(Customer, on_delete=models.CASCADE, related_name="erasure")
    erased_at = models.DateTimeField()
    erased_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    def __str__(self) -> str:
        return f"customer {self.customer_id} erased"


class CustomerPrivacy(Customer):
    """The admin's privacy page of a customer: export, legal hold, erase."""

    class Meta:
        proxy = True
        verbose_name = "customer privacy request"
        verbose_name_plural = "customer privacy requests"
