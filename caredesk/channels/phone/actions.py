"""Logging a call on a case. A call back to the customer keeps their callback promise."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import translation

from caredesk.accounts.models import User
from caredesk.channels.phone.models import CALLBACK_OUTCOMES, CallLog, Direction, Outcome
from caredesk.core.errors import DomainError, PermissionDenied
from caredesk.promises import actions as promise_actions
from caredesk.promises.validation import check_note, check_phone
from caredesk.tickets import audit
from caredesk.tickets.models import Ticket

MAX_DURATION = 24 * 3600


def keeps_callback(direction: str, outcome: str) -> bool:
    """A call we made on the right number, or a conversation the customer started."""
    if direction == Direction.OUTBOUND:
        return outcome in CALLBACK_OUTCOMES
    return outcome == Outcome.REACHED


def do_log_call(
    ticket: Ticket,
    *,
    agent: User,
    direction: str,
    number: str,
    duration_seconds: int,
    outcome: str,
    notes: str,
    now: datetime,
) -> CallLog:
    """Record a call; keeps the case's pending callback promise (the agent's own first)."""
    if not agent.is_agent_staff:
        raise PermissionDenied("Only staff log calls.")
    if direction not in Direction.values:
        raise DomainError(f"Unknown call direction {direction!r}.", code="invalid_direction")
    if outcome not in Outcome.values:
        raise DomainError(f"Unknown call outcome {outcome!r}.", code="invalid_outcome")
    if isinstance(duration_seconds, bool) or not isinstance(duration_seconds, int):
        raise DomainError(
            "The duration must be a whole number of seconds.", code="invalid_duration"
        )
    if not 0 <= duration_seconds <= MAX_DURATION:
        raise DomainError(
            "The duration must be between 0 seconds and 24 hours.", code="invalid_duration"
        )
    number = check_phone(number, required=False)
    notes = check_note(notes, required=False, field="call notes")
    with transaction.atomic():
        ticket = (
            Ticket.objects.select_for_update(of=("self",)).select_related("team").get(pk=ticket.pk)
        )
        call = CallLog.objects.create(
            ticket=ticket,
            agent=agent,
            direction=direction,
            number=number,
            duration_seconds=duration_seconds,
            outcome=outcome,
            notes=notes,
            created_at=now,
        )
        kept = None
        if keeps_callback(direction, outcome):
            kept = promise_actions.do_keep_callback_promise(ticket, agent=agent, now=now)
        if kept is not None:
            call.kept_promise = kept
            call.save(update_fields=["kept_promise"])
        with translation.override("en"):  # the audit record stays in English
            label = str(Direction(direction).label)
            outcome_label = str(Outcome(outcome).label)
        audit.record(
            ticket,
            agent,
            "call_logged",
            now=now,
            field="call",
            new={
                "direction": direction,
                "outcome": outcome_label,
                "duration": call.duration_text,
                "kept_promise": kept.text if kept else None,
            },
            note=f"{label}: {outcome_label.lower()} ({call.duration_text}).",
            public=direction == Direction.OUTBOUND or outcome == Outcome.REACHED,
        )
        Ticket.objects.filter(pk=ticket.pk).update(updated_at=now)
    return call
