"""How SLA state reads to an agent: "2h 10m left", "Overdue 25m", "Paused". Pure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from caredesk.tickets.models import DONE_STATUSES


def short_duration(delta: timedelta) -> str:
    """``timedelta(hours=26, minutes=5)`` → ``"1d 2h"``; under a minute → ``"<1m"``."""
    minutes = int(abs(delta).total_seconds()) // 60
    if minutes < 1:
        return "<1m"
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h" if hours else f"{days}d"
    if hours:
        return f"{hours}h {mins}m" if mins else f"{hours}h"
    return f"{mins}m"


def minutes_text(minutes: int) -> str:
    return short_duration(timedelta(minutes=minutes)) if minutes else "0m"


@dataclass(frozen=True)
class Badge:
    state: str  # ok, warn, breached, paused
    label: str
    title: str


class SlaFacts(Protocol):
    """What a badge reads: a ``Ticket``, or a list row with the same attribute names."""

    @property
    def status(self) -> str: ...
    @property
    def sla_paused_at(self) -> datetime | None: ...
    @property
    def sla_paused_minutes(self) -> int: ...
    @property
    def next_deadline_at(self) -> datetime | None: ...
    @property
    def sla_warned(self) -> bool: ...


def badge_for(ticket: SlaFacts, now: datetime) -> Badge | None:
    """What the inbox and case page show for this case's SLA, or None if nothing runs."""
    if ticket.status in DONE_STATUSES:
        return None
    if ticket.sla_paused_at is not None:
        waited = short_duration(now - ticket.sla_paused_at)
        total = ticket.sla_paused_minutes + int((now - ticket.sla_paused_at).total_seconds()) // 60
        return Badge(
            "paused",
            "SLA paused",
            f"Waiting on the customer for {waited}; paused {minutes_text(total)} in total",
        )
    due = ticket.next_deadline_at
    if due is None:
        return None
    when = due.strftime("%a %d %b %H:%M %Z")
    if due <= now:
        return Badge("breached", f"Overdue {short_duration(now - due)}", f"Was due {when}")
    label = f"{short_duration(due - now)} left"
    if ticket.sla_warned:
        return Badge("warn", label, f"Due {when}; most of the time is used")
    return Badge("ok", label, f"Due {when}")
