"""A deliberately simple minute-by-minute model of business time, to check the fast one."""

from __future__ import annotations

from datetime import datetime, timedelta

from caredesk.sla.calendar import Calendar

MINUTE = timedelta(minutes=1)


def ref_is_open(cal: Calendar, instant: datetime) -> bool:
    local = instant.astimezone(cal.tz)
    if cal.is_closed_date(local.date()):
        return False
    minute = local.hour * 60 + local.minute
    return any(a <= minute < b for a, b in cal.week[local.weekday()])


def ref_minutes_between(cal: Calendar, start: datetime, end: datetime) -> int:
    count, t = 0, start
    while t < end:
        count += ref_is_open(cal, t)
        t += MINUTE
    return count


def ref_add(cal: Calendar, start: datetime, minutes: int, paused=(), switch=None) -> datetime:
    """End of the ``minutes``-th open minute from ``start``.

    ``paused``: [(from, to)] intervals that do not count. ``switch``: (instant, calendar)
    — from that instant on, the other calendar applies.
    """
    count, t = 0, start
    while count < minutes:
        current = switch[1] if switch is not None and t >= switch[0] else cal
        if ref_is_open(current, t) and not any(a <= t < b for a, b in paused):
            count += 1
        t += MINUTE
    return t
