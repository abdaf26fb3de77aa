"""Pure rules of the satisfaction survey (CSAT): times passed in, nothing read inside."""

from __future__ import annotations

from datetime import datetime, timedelta

from caredesk.core.clock import require_aware

# Why a survey was not sent (``Survey.skip_reason``).
MACHINE = "machine_sender"
THROTTLED = "throttled"
NO_ADDRESS = "no_address"
REOPENED = "reopened"
# An imported case: its history is not news, nobody is asked about it.
IMPORTED = "imported"


def send_at(closed_at: datetime, delay_hours: int) -> datetime:
    """When the survey of a case closed at ``closed_at`` is mailed."""
    require_aware(closed_at, "closed_at")
    return closed_at + timedelta(hours=delay_hours)


def throttled(last_sent_at: datetime | None, now: datetime, throttle_days: int) -> bool:
    """True when the customer was sent a survey less than ``throttle_days`` ago."""
    require_aware(now, "now")
    return last_sent_at is not None and now - last_sent_at < timedelta(days=throttle_days)


def may_change(first_rated_at: datetime | None, now: datetime, change_days: int) -> bool:
    """A rating can be given, or changed, until ``change_days`` after the first answer."""
    require_aware(now, "now")
    return first_rated_at is None or now - first_rated_at <= timedelta(days=change_days)
