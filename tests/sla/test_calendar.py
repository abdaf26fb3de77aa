"""Business-time maths: worked examples, then properties against the minute-by-minute model."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from caredesk.sla import calendar as calendar_module
from caredesk.sla.calendar import (
    Calendar,
    CalendarError,
    add_business_time,
    business_minutes_between,
    is_open,
    next_open,
    parse_hhmm,
)
from tests.sla.reference import ref_add, ref_is_open, ref_minutes_between

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
OFFICE = {d: [("09:00", "17:00")] for d in range(5)}


def berlin(*args: int) -> datetime:
    return datetime(*args, tzinfo=BERLIN)


def test_friday_afternoon_rolls_over_the_weekend():
    cal = Calendar.weekly("Europe/Berlin", OFFICE)
    assert add_business_time(cal, berlin(2026, 11, 20, 16, 0), 120) == berlin(2026, 11, 23, 10, 0)


def test_a_case_opened_at_night_starts_counting_at_nine():
    cal = Calendar.weekly("Europe/Berlin", OFFICE)
    assert add_business_time(cal, berlin(2026, 11, 24, 2, 0), 30) == berlin(2026, 11, 24, 9, 30)


def test_deadline_ends_at_closing_time_not_next_morning():
    cal = Calendar.weekly("Europe/Berlin", OFFICE)
    assert add_business_time(cal, berlin(2026, 11, 24, 16, 0), 60) == berlin(2026, 11, 24, 17, 0)


def test_public_holidays_of_the_region_are_closed():
    cal = Calendar.weekly("Europe/Berlin", OFFICE, holiday_country="DE", holiday_subdivision="BE")
    # Thu 24 Dec 16:00: one hour that day, Fri 25 Dec is Christmas, then the weekend.
    assert add_business_time(cal, berlin(2026, 12, 24, 16, 0), 120) == berlin(2026, 12, 28, 10, 0)
    # International Women's Day is a holiday in Berlin only.
    assert not is_open(cal, berlin(2027, 3, 8, 10, 0))
    bavaria = Calendar.weekly(
        "Europe/Berlin", OFFICE, holiday_country="DE", holiday_subdivision="BY"
    )
    assert is_open(bavaria, berlin(2027, 3, 8, 10, 0))


def test_custom_closed_dates():
    cal = Calendar.weekly("Europe/Berlin", OFFICE, closed_dates=frozenset({date(2026, 11, 24)}))
    assert add_business_time(cal, berlin(2026, 11, 23, 16, 0), 120) == berlin(2026, 11, 25, 10, 0)


def test_always_open_counts_real_time_across_spring_forward():
    cal = Calendar.always_open("Europe/Berlin")
    start = berlin(2026, 3, 29, 1, 0)  # 02:00-03:00 does not exist that night
    assert add_business_time(cal, start, 120) == berlin(2026, 3, 29, 4, 0)
    assert business_minutes_between(cal, start, berlin(2026, 3, 29, 4, 0)) == 120


def test_a_full_day_shift_is_25_hours_when_clocks_go_back():
    cal = Calendar.weekly("Europe/Berlin", {6: [("00:00", "24:00")]})
    day_start, next_day = berlin(2026, 10, 25, 0, 0), berlin(2026, 10, 26, 0, 0)
    assert business_minutes_between(cal, day_start, next_day) == 25 * 60


def test_an_interval_across_the_missing_hour_is_shorter():
    cal = Calendar.weekly("America/New_York", {6: [("01:00", "04:00")]})
    start = datetime(2026, 3, 8, 0, 0, tzinfo=NEW_YORK)
    assert business_minutes_between(cal, start, start + timedelta(days=1)) == 120


def test_naive_datetimes_are_refused():
    cal = Calendar.always_open()
    with pytest.raises(ValueError, match="timezone-aware"):
        add_business_time(cal, datetime(2026, 1, 1, 9, 0), 5)
    with pytest.raises(ValueError, match="timezone-aware"):
        business_minutes_between(cal, datetime(2026, 1, 1), datetime(2026, 1, 2, tzinfo=UTC))


def test_a_calendar_without_hours_cannot_give_a_deadline():
    cal = Calendar.weekly("UTC", {})
    with pytest.raises(CalendarError):
        add_business_time(cal, datetime(2026, 1, 1, tzinfo=UTC), 5)
    assert next_open(cal, datetime(2026, 1, 1, tzinfo=UTC)) is None


@pytest.mark.parametrize("bad", ["9", "25:00", "24:30", "09:60", "ab:cd", "", "9:5:1", "-1:00"])
def test_malformed_times_are_refused(bad):
    with pytest.raises(CalendarError):
        parse_hhmm(bad)


def test_backwards_or_oversized_intervals_are_refused():
    with pytest.raises(CalendarError):
        Calendar(tz=BERLIN, week=(((600, 500),),) + ((),) * 6)
    with pytest.raises(CalendarError):
        Calendar(tz=BERLIN, week=(((0, 1441),),) + ((),) * 6)
    with pytest.raises(CalendarError):
        Calendar(tz=BERLIN, week=((),) * 6)


def test_unknown_holiday_region_is_refused():
    with pytest.raises(CalendarError):
        Calendar.weekly("UTC", OFFICE, holiday_country="XX")


def test_negative_business_time_is_refused():
    with pytest.raises(ValueError):
        add_business_time(Calendar.always_open(), datetime(2026, 1, 1, tzinfo=UTC), -1)


# --- properties -----------------------------------------------------------------------

ZONES = ["Europe/Berlin", "America/New_York", "UTC", "Australia/Lord_Howe", "Asia/Kolkata"]
# Days around the 2026 clock changes in Europe, the US and Lord Howe (30-minute shift).
PIVOTS = [
    datetime(2026, 3, 29, tzinfo=UTC),
    datetime(2026, 10, 25, tzinfo=UTC),
    datetime(2026, 3, 8, tzinfo=UTC),
    datetime(2026, 11, 1, tzinfo=UTC),
    datetime(2026, 4, 5, tzinfo=UTC),
    datetime(2026, 12, 24, tzinfo=UTC),
]


@st.composite
def day_intervals(draw):
    n = draw(st.integers(0, 2))
    cuts = sorted(draw(st.lists(st.integers(0, 48), min_size=2 * n, max_size=2 * n, unique=True)))
    return [(cuts[i] * 30, cuts[i + 1] * 30) for i in range(0, 2 * n, 2)]


@st.composite
def calendars(draw):
    zone = ZoneInfo(draw(st.sampled_from(ZONES)))
    if draw(st.integers(0, 9)) == 0:
        return Calendar.always_open(zone)
    week = [draw(day_intervals()) for _ in range(7)]
    # Keep at least two hours a week, so the reference walk stays short.
    if sum(b - a for day in week for a, b in day) < 120:
        week[draw(st.integers(0, 6))] = [(0, 24 * 60)]
    pivot = draw(st.sampled_from(PIVOTS)).date()
    closed = draw(
        st.frozensets(
            st.builds(lambda d: pivot + timedelta(days=d), st.integers(-3, 5)), max_size=2
        )
    )
    region = draw(st.sampled_from([("", ""), ("DE", "BE"), ("US", "NY")]))
    return Calendar(
        tz=zone,
        week=tuple(tuple(day) for day in week),
        closed_dates=closed,
        holiday_country=region[0],
        holiday_subdivision=region[1],
    )


@st.composite
def instants(draw):
    pivot = draw(st.sampled_from(PIVOTS))
    return pivot + timedelta(minutes=draw(st.integers(-3 * 1440, 3 * 1440)))


PROPS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPS
@given(calendars(), instants(), st.integers(0, 3 * 1440))
def test_minutes_between_matches_the_reference(cal, start, length):
    end = start + timedelta(minutes=length)
    assert business_minutes_between(cal, start, end) == ref_minutes_between(cal, start, end)


@PROPS
@given(calendars(), instants(), st.integers(0, 600))
def test_add_business_time_matches_the_reference(cal, start, minutes):
    due = add_business_time(cal, start, minutes)
    assert due == ref_add(cal, start, minutes)
    # And the two functions agree with each other.
    assert business_minutes_between(cal, start, due) == minutes


@PROPS
@given(calendars(), instants())
def test_is_open_and_next_open_match_the_reference(cal, instant):
    assert is_open(cal, instant) == ref_is_open(cal, instant)
    first = next_open(cal, instant)
    assert first is not None and first >= instant
    assert ref_is_open(cal, first)
    assume(first - instant < timedelta(days=20))
    t = instant
    while t < first:
        assert not ref_is_open(cal, t)
        t += timedelta(minutes=1)


@PROPS
@given(calendars(), instants(), st.integers(0, 1000), st.integers(0, 1000))
def test_adding_in_two_steps_equals_adding_once(cal, start, a, b):
    assert add_business_time(cal, add_business_time(cal, start, a), b) == add_business_time(
        cal, start, a + b
    )


@PROPS
@given(calendars(), st.lists(st.tuples(instants(), st.integers(0, 2000)), min_size=2, max_size=8))
def test_a_calendar_that_remembers_days_answers_as_a_fresh_one(cal, questions):
    # Each question on a new, equal calendar (nothing remembered) ...
    fresh = [add_business_time(replace(cal), start, minutes) for start, minutes in questions]
    # ... and all of them, twice, on one calendar that keeps the days it has worked out.
    assert [add_business_time(cal, start, minutes) for start, minutes in questions] == fresh
    assert [add_business_time(cal, start, minutes) for start, minutes in questions] == fresh


def test_remembered_days_are_bounded(monkeypatch):
    monkeypatch.setattr(calendar_module, "_SPANS_KEPT", 5)
    cal = Calendar.weekly("Europe/Berlin", OFFICE, holiday_country="DE")
    # Four weeks of business time walk over 28+ days; only a handful stay remembered.
    due = add_business_time(cal, berlin(2026, 12, 1, 9), 4 * 5 * 8 * 60)
    assert due == add_business_time(replace(cal), berlin(2026, 12, 1, 9), 4 * 5 * 8 * 60)
    assert len(cal._spans) <= 5
