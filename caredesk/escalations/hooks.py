"""Entry points other apps call to open a system escalation (kept tiny on their side)."""

from __future__ import annotations

from datetime import datetime

from caredesk.accounts.models import Role
from caredesk.escalations.actions import EscalationResult, do_escalate
from caredesk.escalations.models import EscalationSource
from caredesk.tickets.models import Ticket


def on_sla_breach(ticket: Ticket, target_name: str, now: datetime) -> EscalationResult:
    """Called by the SLA engine inside its transaction when a target is missed.
    Idempotent: a case with an open escalation gets the breach logged on it instead."""
    return do_escalate(
        ticket,
        actor=None,
        source=EscalationSource.SLA_BREACH,
        reason=f"The {target_name} target was missed.",
        now=now,
        level=Role.LEAD,
    )


def on_missed_promise(ticket: Ticket, promise_text: str, now: datetime) -> EscalationResult:
    """For the promises app: a missed promise escalates to the owner's lead."""
    return do_escalate(
        ticket,
        actor=None,
        source=EscalationSource.MISSED_PROMISE,
        reason=f"A promise to the customer was missed: {promise_text}"[:5000],
        now=now,
        level=Role.LEAD,
    )
