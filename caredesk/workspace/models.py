"""Workspace-only state: who is looking at which case right now (the collision notice)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from caredesk.tickets.models import Ticket


class CasePresence(models.Model):
    """One row per (case, staff member): refreshed by the case page every few seconds.

    Ephemeral and advisory; it is not case state, so it is not audited.
    """

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    last_seen = models.DateTimeField()
    typing_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["ticket", "user"], name="unique_case_presence")
        ]
        indexes = [models.Index(fields=["ticket", "last_seen"], name="presence_ticket_seen")]

    def __str__(self) -> str:
        return f"{self.user_id} on {self.ticket_id}"
