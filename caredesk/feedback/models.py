"""Kudos and complaints about agents, and the review of each complaint (P9)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from caredesk.customers.models import Customer
from caredesk.tickets.models import Ticket


class FeedbackKind(models.TextChoices):
    KUDOS = "kudos", "Kudos"
    COMPLAINT = "complaint", "Complaint"


class FeedbackSource(models.TextChoices):
    PORTAL = "portal", "Customer (portal)"
    SURVEY = "survey", "Customer (survey link)"
    MANAGER = "manager", "Manager"


class ReviewOutcome(models.TextChoices):
    PENDING = "pending", "Waiting for review"
    UPHELD = "upheld", "Upheld"
    NOT_UPHELD = "not_upheld", "Not upheld"
    POLICY = "policy", "Refusal followed policy"


DECIDED_OUTCOMES = (ReviewOutcome.UPHELD, ReviewOutcome.NOT_UPHELD, ReviewOutcome.POLICY)


class Feedback(models.Model):
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="feedback")
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="feedback_received"
    )
    kind = models.CharField(max_length=10, choices=FeedbackKind.choices)
    source = models.CharField(max_length=10, choices=FeedbackSource.choices)
    body = models.TextField()
    author_customer = models.ForeignKey(
        Customer, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    author_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    # Complaints only: reviewed by the agent's lead.
    outcome = models.CharField(max_length=12, choices=ReviewOutcome.choices, blank=True)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="complaints_to_review",
    )
    review_reason = models.TextField(blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at", "-id")
        indexes = [
            models.Index(fields=["agent", "kind", "outcome"], name="feedback_agent_kind"),
            models.Index(fields=["reviewer", "outcome"], name="feedback_reviewer"),
        ]
        constraints = [
            # A customer leaves one kudos and one complaint per agent per case.
            models.UniqueConstraint(
                fields=["ticket", "agent", "author_customer", "kind"],
                condition=models.Q(author_customer__isnull=False),
                name="one_feedback_per_customer",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} about {self.agent_id} on {self.ticket_id}"

    @property
    def is_complaint(self) -> bool:
        return self.kind == FeedbackKind.COMPLAINT

    @property
    def author_label(self) -> str:
        if self.author_customer is not None:
            return self.author_customer.name
        if self.author_user is not None:
            return self.author_user.display_name
        return "Unknown"
