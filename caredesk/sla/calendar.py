"""Business-time arithmetic. Pure: no database, no clock; every instant is passed in.

A :class:`Calendar` says which instants are *business time*. An instant is open when,
read on the wall clock of the calendar's time zone, its date is not a holiday or closed
date and its time of day falls in one of that weekday's working intervals. This
definition settles daylight-saving changes without special cases: on a spring-forward
day an interval that spans the missing hour is an hour shorter, and on a fall-back day
an interval that spans the repeated hour is an hour longer, because the wall clock
shows those times twice.

All results are exact to the second. Naive datetimes are refused (house rule 5).
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays

MINUTES_PER_DAY = 24 * 60
# A calendar with no open time in this many days is treated as never open.
SEARCH_LIMIT_DAYS = 3 * 366

Interval = tuple[int, int]  # minutes from local midnight, [start, end), 0 <= start < end <= 1440


class CalendarError(ValueError):
    """The calendar cannot answer: invalid hours, or no business time at all."""


def require_aware(value: datetime, name: str) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be a timezone-aware datetime, got a naive one")
    return value


def parse_hhmm(text: str) -> int:
    """``"09:30"`` → 570 minutes; ``"24:00"`` → 1440 (end of day)."""
    parts = text.strip().split(":")
    if len(parts) != 2 or not all(p.isdigit() and 1 <= len(p) <= 2 for p in parts):
        raise CalendarError(f"Times are written HH:MM, got {text!r}.")
    hours, minutes = int(parts[0]), int(parts[1])
    if minutes > 59 or hours > 24 or (hours == 24 and minutes):
        raise CalendarError(f"{text!r} is not a time of day.")
    return hours * 60 + minutes


def normalize_intervals(intervals: Sequence[Interval]) -> tuple[Interval, ...]:
    """Sort, validate and merge touching or overlapping intervals."""
    result: list[Interval] = []
    for start, end in sorted(intervals):
        if not (0 <= start < end <= MINUTES_PER_DAY):
            raise CalendarError(f"Working hours must run forwards within a day: {start}-{end}.")
        if result and start <= result[-1][1]:
            result[-1] = (result[-1][0], max(end, result[-1][1]))
        else:
            result.append((start, end))
    return tuple(result)


@functools.lru_cache(maxsize=64)
def _holiday_set(country: str, subdivision: str) -> holidays.HolidayBase:
    try:
        return holidays.country_holidays(country, subdiv=subdivision or None)
    except (NotImplementedError, KeyError) as exc:
        raise CalendarError(f"Unknown holiday region {country!r}/{subdivision!r}: {exc}") from None


def check_holiday_region(country: str, subdivision: str = "") -> None:
    """Raise :class:`CalendarError` unless the ``holidays`` package knows this region."""
    _holiday_set(country.upper(), subdivision.upper())


@dataclass(frozen=True)
class Calendar:
    """Working hours per weekday (Monday = 0) in a time zone, minus closed dates."""

    tz: ZoneInfo
    week: tuple[tuple[Interval, ...], ...] = field(default_factory=lambda: ((),) * 7)
    closed_dates: frozenset[date] = frozenset()
    holiday_country: str = ""
    holiday_subdivision: str = ""
    # Business spans already worked out, by local date (see :func:`open_spans_on`). The
    # calendar is immutable, so a day's spans never change; deadlines of many cases
    # opened together ask for the same days again and again.
    _spans: dict[date, tuple[tuple[datetime, datetime], ...]] = field(
        default_factory=dict, init=False, repr=False, compare=False, hash=False
    )

    def __post_init__(self) -> None:
        if len(self.week) != 7:
            raise CalendarError("A week has seven days of working hours.")
        object.__setattr__(self, "week", tuple(normalize_intervals(d) for d in self.week))
        if self.holiday_country:
            check_holiday_region(self.holiday_country, self.holiday_subdivision)

    @classmethod
    def always_open(cls, tz: ZoneInfo | str = "UTC") -> Calendar:
        """A 24/7 calendar: every instant is business time, holidays included."""
        zone = ZoneInfo(tz) if isinstance(tz, str) else tz
        return cls(tz=zone, week=(((0, MINUTES_PER_DAY),),) * 7)

    @classmethod
    def weekly(
        cls,
        tz: ZoneInfo | str,
        hours: Mapping[int, Sequence[tuple[str, str]]],
        *,
        closed_dates: frozenset[date] = frozenset(),
        holiday_country: str = "",
        holiday_subdivision: str = "",
    ) -> Calendar:
        """``Calendar.weekly("Europe/Berlin", {0: [("09:00", "17:00")], ...})``."""
        zone = ZoneInfo(tz) if isinstance(tz, str) else tz
        week = tuple(
            tuple((parse_hhmm(a), parse_hhmm(b)) for a, b in hours.get(day, ())) for day in range(7)
        )
        return cls(
            tz=zone,
            week=week,
            closed_dates=closed_dates,
            holiday_country=holiday_country.upper(),
            holiday_subdivision=holiday_subdivision.upper(),
        )

    @property
    def is_always_open(self) -> bool:
        return (
            all(day == ((0, MINUTES_PER_DAY),) for day in self.week)
            and not self.closed_dates
            and not self.holiday_country
        )

    def is_closed_date(self, day: date) -> bool:
        if day in self.closed_dates:
            return True
        if self.holiday_country:
            return day in _holiday_set(self.holiday_country, self.holiday_subdivision)
        return False

    def intervals_on(self, day: date) -> tuple[Interval, ...]:
        if self.is_closed_date(day):
            return ()
        return self.week[day.weekday()]


# --- mapping local days to real instants ---------------------------------------------


def _day_start(cal: Calendar, day: date) -> datetime:
    """The first instant (UTC) whose local date is ``day``."""
    return datetime.combine(day, time(0), tzinfo=cal.tz).astimezone(UTC)


def _offset(cal: Calendar, instant: datetime) -> timedelta:
    offset = instant.astimezone(cal.tz).utcoffset()
    assert offset is not None
    return offset


def _constant_offset_pieces(
    cal: Calendar, start: datetime, end: datetime
) -> Iterator[tuple[datetime, datetime, timedelta]]:
    """Split [start, end) into pieces in which the UTC offset does not change."""
    while start < end:
        first = _offset(cal, start)
        if _offset(cal, end - timedelta(seconds=1)) == first:
            yield start, end, first
            return
        # Binary search, to the second, for the first instant with another offset.
        lo, hi = start, end - timedelta(seconds=1)
        while (hi - lo) > timedelta(seconds=1):
            mid = lo + (hi - lo) / 2
            mid = mid.replace(microsecond=0)
            if _offset(cal, mid) == first:
                lo = mid
            else:
                hi = mid
        yield start, hi, first
        start = hi


_SPANS_KEPT = 4096  # days per calendar (about eleven years)


def open_spans_on(cal: Calendar, day: date) -> tuple[tuple[datetime, datetime], ...]:
    """The business-time spans (UTC instants) whose local date is ``day``."""
    spans = cal._spans.get(day)
    if spans is None:
        spans = tuple(_work_out_spans(cal, day))
        if len(cal._spans) >= _SPANS_KEPT:
            cal._spans.clear()
        cal._spans[day] = spans
    return spans


def _work_out_spans(cal: Calendar, day: date) -> list[tuple[datetime, datetime]]:
    intervals = cal.intervals_on(day)
    if not intervals:
        return []
    day_start = _day_start(cal, day)
    next_start = _day_start(cal, day + timedelta(days=1))
    midnight = datetime.combine(day, time(0), tzinfo=UTC)  # local wall clock, as if UTC
    spans: list[tuple[datetime, datetime]] = []
    for piece_start, piece_end, offset in _constant_offset_pieces(cal, day_start, next_start):
        for start_min, end_min in intervals:
            # In this piece, wall time = instant + offset.
            lo = max(piece_start, midnight + timedelta(minutes=start_min) - offset)
            hi = min(piece_end, midnight + timedelta(minutes=end_min) - offset)
            if lo < hi:
                if spans and spans[-1][1] == lo:
                    spans[-1] = (spans[-1][0], hi)
                else:
                    spans.append((lo, hi))
    return spans


def _spans_from(cal: Calendar, start: datetime) -> Iterator[tuple[datetime, datetime]]:
    """Business-time spans from ``start`` on, in order; stops after a long closed stretch."""
    day = start.astimezone(cal.tz).date()
    closed_days = 0
    while closed_days <= SEARCH_LIMIT_DAYS:
        spans = open_spans_on(cal, day)
        closed_days = closed_days + 1 if not spans else 0
        for lo, hi in spans:
            if hi > start:
                yield max(lo, start), hi
        day += timedelta(days=1)


# --- the public arithmetic ------------------------------------------------------------


def is_open(cal: Calendar, instant: datetime) -> bool:
    require_aware(instant, "instant")
    local = instant.astimezone(cal.tz)
    minute = local.hour * 60 + local.minute
    return any(a <= minute < b for a, b in cal.intervals_on(local.date()))


def business_seconds_between(cal: Calendar, start: datetime, end: datetime) -> int:
    """Business seconds in [start, end); 0 when end <= start."""
    require_aware(start, "start")
    require_aware(end, "end")
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    if end <= start:
        return 0
    if cal.is_always_open:
        return int((end - start).total_seconds())
    total = 0.0
    day = start.astimezone(cal.tz).date()
    last_day = end.astimezone(cal.tz).date()
    while day <= last_day:
        for lo, hi in open_spans_on(cal, day):
            lo, hi = max(lo, start), min(hi, end)
            if lo < hi:
                total += (hi - lo).total_seconds()
        day += timedelta(days=1)
    return int(total)


def business_minutes_between(cal: Calendar, start: datetime, end: datetime) -> int:
    """Whole business minutes in [start, end) (rounded down)."""
    return business_seconds_between(cal, start, end) // 60


def add_business_seconds(cal: Calendar, start: datetime, seconds: int) -> datetime:
    """The earliest instant by which ``seconds`` of business time have passed since ``start``.

    With ``seconds == 0`` that is ``start`` itself. The result is in UTC.
    """
    require_aware(start, "start")
    if seconds < 0:
        raise ValueError("business time to add must not be negative")
    start = start.astimezone(UTC)
    if seconds == 0:
        return start
    if cal.is_always_open:
        return start + timedelta(seconds=seconds)
    left = timedelta(seconds=seconds)
    for lo, hi in _spans_from(cal, start):
        if hi - lo >= left:
            return lo + left
        left -= hi - lo
    raise CalendarError("This calendar has no business hours; no deadline can be computed.")


def add_business_time(cal: Calendar, start: datetime, minutes: int) -> datetime:
    """``start`` plus ``minutes`` of business time (see :func:`add_business_seconds`)."""
    return add_business_seconds(cal, start, minutes * 60)


def next_open(cal: Calendar, instant: datetime) -> datetime | None:
    """The first business instant at or after ``instant``; None if the calendar never opens."""
    require_aware(instant, "instant")
    for lo, _hi in _spans_from(cal, instant.astimezone(UTC)):
        return lo
    return None


# --- snapshots, for background work that must use a calendar as it was -----------------


def to_snapshot(cal: Calendar) -> dict[str, object]:
    """The calendar as JSON-ready data (a task argument); :func:`from_snapshot` reads it."""
    return {
        "tz": cal.tz.key,
        "week": [[list(interval) for interval in day] for day in cal.week],
        "closed_dates": sorted(d.isoformat() for d in cal.closed_dates),
        "holiday_country": cal.holiday_country,
        "holiday_subdivision": cal.holiday_subdivision,
    }


def from_snapshot(data: Mapping[str, object]) -> Calendar:
    """The calendar :func:`to_snapshot` wrote; :class:`CalendarError` on malformed data."""
    try:
        week = data["week"]
        closed = data["closed_dates"]
        if not isinstance(week, list) or not isinstance(closed, list):
            raise TypeError("week and closed_dates must be lists")
        return Calendar(
            tz=ZoneInfo(str(data["tz"])),
            week=tuple(tuple((int(a), int(b)) for a, b in day) for day in week),
            closed_dates=frozenset(date.fromisoformat(str(d)) for d in closed),
            holiday_country=str(data.get("holiday_country", "")),
            holiday_subdivision=str(data.get("holiday_subdivision", "")),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise CalendarError(f"Not a calendar snapshot: {exc}") from None
