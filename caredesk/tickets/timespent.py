"""Time spent on a case, given with a reply or a note (docs/replies.md, "Time spent").

The check is shared by every channel; the row is written by the reply and note actions
in their transaction (``caredesk.tickets.actions``)."""

from __future__ import annotations

from datetime import datetime

from django.db.models import F, Sum

from caredesk.accounts.models import User
from caredesk.core.errors import InvalidInput
from caredesk.tickets.models import Message, Ticket, TimeEntry

MAX_MINUTES = 1440  # one day: more on one message is a typo


def check_minutes(value: object, *, field: str = "minutes") -> int | None:
    """Minutes as typed (text from a form, a number from the API) → 0-1440, or None when
    nothing was given. Anything else is refused with a clear error."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise InvalidInput("Time spent is a whole number of minutes.", field=field, code="invalid")
    if isinstance(value, str):
        text = value.strip()
        if len(text) > 10 or not text.lstrip("-").isdigit():
            raise InvalidInput(
                "Time spent is a whole number of minutes (for example 15).",
                field=field,
                code="invalid",
            )
        value = int(text)
    if not isinstance(value, int):
        raise InvalidInput("Time spent is a whole number of minutes.", field=field, code="invalid")
    if value < 0 or value > MAX_MINUTES:
        raise InvalidInput(
            f"Time spent must be between 0 and {MAX_MINUTES} minutes (24 hours).",
            field=field,
            code="out_of_range",
        )
    return value


def entry(ticket: Ticket, message: Message, agent: User, minutes: int, now: datetime) -> TimeEntry:
    """Write the time entry of ``message`` and add it to the case's total (inside the
    action's transaction, the case locked)."""
    Ticket.objects.filter(pk=ticket.pk).update(time_spent_minutes=F("time_spent_minutes") + minutes)
    ticket.time_spent_minutes += minutes
    return TimeEntry.objects.create(
        ticket=ticket,
        message=message,
        agent=agent,
        team_id=ticket.team_id,
        customer_id=ticket.customer_id,
        minutes=minutes,
        at=now,
    )


def case_total(ticket_id: int) -> int:
    """All minutes recorded on a case, counted from the entries (the row keeps the sum)."""
    total = TimeEntry.objects.filter(ticket_id=ticket_id).aggregate(m=Sum("minutes"))["m"]
    return int(total or 0)
