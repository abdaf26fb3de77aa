"""Call logs: what was said on the phone, recorded on the case."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from caredesk.tickets.models import Ticket


class Direction(models.TextChoices):
    OUTBOUND = "outbound", _("We called the customer")
    INBOUND = "inbound", _("The customer called us")


class Outcome(models.TextChoices):
    REACHED = "reached", _("Spoke to the customer")
    VOICEMAIL = "voicemail", _("Left a voicemail")
    NO_ANSWER = "no_answer", _("No answer")
    BUSY = "busy", _("Line busy")
    WRONG_NUMBER = "wrong_number", _("Wrong number")


# Outcomes of a call we made that count as having called back: we tried, on the right number.
CALLBACK_OUTCOMES = (Outcome.REACHED, Outcome.VOICEMAIL, Outcome.NO_ANSWER, Outcome.BUSY)


class CallLog(models.Model):
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="calls")
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="calls"
    )
    direction = models.CharField(max_length=10, choices=Direction.choices)
    number = models.CharField(max_length=40, blank=True)
    duration_seconds = models.PositiveIntegerField(default=0)
    outcome = models.CharField(max_length=12, choices=Outcome.choices)
    notes = models.TextField(blank=True)
    # The callback promise this call kept, if any.
    kept_promise = models.ForeignKey(
        "promises.Promise", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("-created_at", "-id")
        indexes = [models.Index(fields=["ticket", "-created_at"], name="call_ticket_time")]

    def __str__(self) -> str:
        return f"{self.get_direction_display()} on {self.ticket_id}"

    @property
    def duration_text(self) -> str:
        minutes, seconds = divmod(self.duration_seconds, 60)
        return f"{minutes}:{seconds:02d}"
