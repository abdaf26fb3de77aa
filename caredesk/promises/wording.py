"""Promises in words, for customers and agents: "call you back by Friday 27 November at 15:00"."""

from __future__ import annotations

import zoneinfo
from datetime import datetime, timedelta

from django.conf import settings

from caredesk.accounts.models import Team
from caredesk.promises.models import Kind
from caredesk.sla.selectors import team_calendar_row

# What the customer reads after "We will …".
KIND_VERBS = {
    Kind.CALLBACK: "call you back",
    Kind.UPDATE: "send you an update",
    Kind.FIX: "fix this",
    Kind.DELIVERY: "deliver",
    Kind.REFUND: "refund you",
    Kind.RETURN: "take the return",
    Kind.EXCHANGE: "exchange it",
    Kind.EXCEPTION: "make the exception",
    Kind.OTHER: "get this done",
}


def desk_zone(team: Team | None) -> zoneinfo.ZoneInfo:
    """The time zone customers are told times in: the team's business calendar, else the desk's."""
    row = team_calendar_row(team)
    name = row.time_zone if row is not None else settings.TIME_ZONE
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def when_words(at: datetime, zone: zoneinfo.ZoneInfo) -> str:
    """``Friday 27 November 2026 at 15:00 (Europe/Berlin)``."""
    local = at.astimezone(zone)
    return f"{local:%A} {local.day} {local:%B %Y} at {local:%H:%M} ({zone.key})"


def promise_sentence(kind: str, text: str, due: datetime, zone: zoneinfo.ZoneInfo) -> str:
    """The sentence that confirms a promise to the customer, in words."""
    verb = KIND_VERBS.get(Kind(kind), "get this done") if kind in Kind.values else "get this done"
    return f"Our promise: we will {verb} by {when_words(due, zone)}. ({text})"


def duration_words(seconds: float) -> str:
    """``2 days 3 hours`` / ``45 minutes``: the two largest units."""
    seconds = max(0, int(seconds))
    delta = timedelta(seconds=seconds)
    days, rest = delta.days, delta.seconds
    hours, minutes = rest // 3600, (rest % 3600) // 60
    parts: list[str] = []
    for value, unit in ((days, "day"), (hours, "hour"), (minutes, "minute")):
        if value:
            parts.append(f"{value} {unit}{'' if value == 1 else 's'}")
    if not parts:
        return "under a minute"
    return " ".join(parts[:2])
