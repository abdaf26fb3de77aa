"""Kudos and complaints about agents, and the review of each complaint (P9)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from caredesk.customers.models import Customer
from caredesk.tickets.models import Ticket


class FeedbackKind(models.TextChoices):
    KUDOS = "kudos", _("Kudos")
    COMPLAINT = "complaint", _("Complaint")


class FeedbackSource(models.TextChoices):
    PORTAL = "portal", _("Customer (portal)")
    SURVEY = "survey", _("Customer (survey link)")
    MANAGER = "manager", _("Manager")


class ReviewOutcome(models.TextChoices):
    PENDING = "pending", _("Waiting for review")
    UPHELD = "upheld", _("Upheld")
    NOT_UPHELD = "not_upheld", _("Not upheld")
    POLICY = "policy", _("Refusal followed policy")


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


class Rating(models.TextChoices):
    GOOD = "good", _("Good")
    NEUTRAL = "neutral", _("Neutral")
    BAD = "bad", _("Bad")


class SurveyState(models.TextChoices):
    WAITING = "waiting", _("Waiting to be sent")
    SENT = "sent", _("Sent")
    SKIPPED = "skipped", _("Not sent")


class Survey(models.Model):
    """One satisfaction survey (CSAT) of one closed case: sent by mail after
    ``CAREDESK_CSAT_DELAY_HOURS`` (the ``csat.send`` deadline on ``send_at``), answered
    good/neutral/bad from the mail or the portal. docs/csat.md defines the fields.

    Only ``caredesk.feedback.csat`` writes them.
    """

    # one_survey_per_case (unique on ticket) is the index; no second one for the key.
    ticket = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, related_name="surveys", db_index=False
    )
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="surveys")
    # Who is credited with the rating: the case's assignee and team when it closed.
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    team_id = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField()
    state = models.CharField(
        max_length=10, choices=SurveyState.choices, default=SurveyState.WAITING
    )
    # The ``csat.send`` deadline; cleared once the survey was sent or skipped.
    send_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    skip_reason = models.CharField(max_length=40, blank=True)
    rating = models.CharField(max_length=10, choices=Rating.choices, blank=True)
    comment = models.TextField(blank=True)
    first_rated_at = models.DateTimeField(null=True, blank=True)
    rated_at = models.DateTimeField(null=True, blank=True)  # the latest answer or change
    # The complaint a bad rating with a comment put into the leads' review (P9).
    complaint = models.ForeignKey(
        Feedback, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ("-created_at", "-id")
        indexes = [
            models.Index(
                fields=["send_at"],
                name="survey_send_due",
                condition=models.Q(send_at__isnull=False),
            ),
            models.Index(fields=["customer", "sent_at"], name="survey_customer_sent"),
            models.Index(fields=["rated_at"], name="survey_rated_day"),
            models.Index(fields=["agent", "rating"], name="survey_agent_rating"),
        ]
        constraints = [
            # One survey per case: a case closed twice is asked about once.
            models.UniqueConstraint(fields=["ticket"], name="one_survey_per_case"),
        ]

    def __str__(self) -> str:
        return f"survey of {self.ticket_id}: {self.rating or self.state}"
