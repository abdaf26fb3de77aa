"""One row per time a case was resolved (or closed without being resolved): how that
resolution ended. Reports count confirmations and reopens from these rows (per case,
agent, team and day); docs/resolutions.md defines the fields.

Only ``caredesk.resolutions.actions`` writes them.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from caredesk.accounts.models import Team
from caredesk.tickets.models import ResolutionOutcome, Ticket

Outcome = ResolutionOutcome

# Outcomes that count as a reopen (the case came back after we called it done).
REOPEN_OUTCOMES = (Outcome.REJECTED, Outcome.REOPENED)


class Resolution(models.Model):
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="resolutions")
    outcome = models.CharField(max_length=20, choices=Outcome.choices, default=Outcome.PENDING)
    # When the case was resolved (or closed, for ``closed_by_staff``), by whom, and who
    # owned it then: the agent and team a report credits the outcome to.
    resolved_at = models.DateTimeField()
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # When the outcome was settled (the customer answered, the time ran out, staff closed
    # or the case reopened). Null while pending.
    answered_at = models.DateTimeField(null=True, blank=True)
    # When "Is this solved?" was mailed (null: not mailed, e.g. machine sender, no address).
    asked_at = models.DateTimeField(null=True, blank=True)
    # The ``resolution.confirm`` deadline: no answer by then closes the case as
    # ``unconfirmed``. Set only while pending.
    confirm_due_at = models.DateTimeField(null=True, blank=True)
    # The customer message a rejection added (their words, or the standard sentence).
    reopen_message_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ("-resolved_at", "-id")
        indexes = [
            models.Index(
                fields=["confirm_due_at"],
                name="resolution_confirm_due",
                condition=models.Q(confirm_due_at__isnull=False),
            ),
            models.Index(fields=["ticket", "-resolved_at"], name="resolution_ticket"),
            models.Index(fields=["outcome", "answered_at"], name="resolution_outcome_day"),
            models.Index(fields=["agent", "answered_at"], name="resolution_agent_day"),
        ]

    def __str__(self) -> str:
        return f"{self.outcome} resolution of {self.ticket_id}"

    @property
    def is_pending(self) -> bool:
        return self.outcome == Outcome.PENDING

    @property
    def counts_as_reopen(self) -> bool:
        return self.outcome in REOPEN_OUTCOMES
