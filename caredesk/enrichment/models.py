"""Abuse scores of inbound customer messages, and customers marked for a lead's attention.

Written only by :mod:`caredesk.enrichment.actions`.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone

from caredesk.customers.models import Customer
from caredesk.tickets.models import Message, Ticket


class MessageAbuse(models.Model):
    message = models.OneToOneField(
        Message, primary_key=True, on_delete=models.CASCADE, related_name="abuse"
    )
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="+")
    customer = models.ForeignKey(
        Customer, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    score = models.FloatField()
    flagged = models.BooleanField(default=False)
    reasons: models.JSONField[Any] = models.JSONField(default=list, blank=True)
    classifier = models.CharField(max_length=60)
    scored_at = models.DateTimeField(default=timezone.now)
    unflagged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    unflagged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["customer", "scored_at"],
                name="abuse_customer_flagged",
                condition=models.Q(flagged=True),
            ),
        ]

    def __str__(self) -> str:
        return f"abuse score {self.score:.2f} of message {self.message_id}"

    @property
    def hidden(self) -> bool:
        return self.flagged


class CustomerAttention(models.Model):
    """A customer whose messages were flagged repeatedly, for a lead to look at."""

    customer = models.OneToOneField(
        Customer, on_delete=models.CASCADE, related_name="abuse_attention"
    )
    flagged_messages = models.PositiveIntegerField(default=0)
    marked_at = models.DateTimeField()
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_note = models.TextField(blank=True)

    class Meta:
        ordering = ("-marked_at",)

    def __str__(self) -> str:
        return f"attention: customer {self.customer_id}"

    @property
    def needs_review(self) -> bool:
        return self.reviewed_at is None


class MessageSentiment(models.Model):
    """The sentiment of one inbound customer message (P4), scored once."""

    message = models.OneToOneField(
        Message, primary_key=True, on_delete=models.CASCADE, related_name="sentiment"
    )
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="+")
    compound = models.FloatField()
    label = models.CharField(max_length=10)
    analyzer = models.CharField(max_length=60)
    message_at = models.DateTimeField()
    scored_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["ticket", "-message_at"], name="sentiment_ticket_time"),
        ]

    def __str__(self) -> str:
        return f"sentiment {self.compound:+.2f} of message {self.message_id}"


class CaseMood(models.Model):
    """A case's current mood: the recency-weighted mean of its last customer messages
    (``caredesk.enrichment.sentiment.mood``), kept on a row so lists read it cheaply."""

    ticket = models.OneToOneField(
        Ticket, primary_key=True, on_delete=models.CASCADE, related_name="mood"
    )
    customer = models.ForeignKey(
        Customer, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    compound = models.FloatField()
    label = models.CharField(max_length=10)
    scored_messages = models.PositiveIntegerField(default=0)
    # The newest customer message the mood includes.
    last_message_at = models.DateTimeField()
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["customer", "label"], name="mood_customer_label")]

    def __str__(self) -> str:
        return f"mood {self.label} of case {self.ticket_id}"
