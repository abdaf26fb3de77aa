"""Timers that pause, resume and survive calendar edits, against the minute-by-minute model."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from caredesk.sla.calendar import Calendar
from caredesk.sla.timers import Timer
from tests.sla.reference import ref_add
from tests.sla.test_calendar import OFFICE, calendars, instants

BERLIN = ZoneInfo("Europe/Berlin")


def test_pause_over_the_weekend_keeps_the_time_left():
    cal = Calendar.weekly("Europe/Berlin", OFFICE)
    opened = datetime(2026, 11, 20, 15, 0, tzinfo=BERLIN)  # Friday
    timer = Timer.start(4 * 3600, opened)
    # Waiting on the customer from Friday 16:00 until their reply on Monday 11:00.
    timer = timer.pause(cal, datetime(2026, 11, 20, 16, 0, tzinfo=BERLIN))
    assert timer.due(cal) is None and timer.left == 3 * 3600
    timer = timer.resume(datetime(2026, 11, 23, 11, 0, tzinfo=BERLIN))
    assert timer.due(cal) == datetime(2026, 11, 23, 14, 0, tzinfo=BERLIN)


def test_calendar_edit_counts_past_time_under_the_old_hours():
    old = Calendar.weekly("Europe/Berlin", OFFICE)
    new = Calendar.weekly("Europe/Berlin", {d: [("08:00", "20:00")] for d in range(5)})
    timer = Timer.start(8 * 3600, datetime(2026, 11, 23, 9, 0, tzinfo=BERLIN))
    timer = timer.rebase(old, datetime(2026, 11, 23, 13, 0, tzinfo=BERLIN))  # 4 h used
    assert timer.due(new) == datetime(2026, 11, 23, 17, 0, tzinfo=BERLIN)


def test_new_target_keeps_time_already_spent():
    cal = Calendar.always_open()
    start = datetime(2026, 11, 23, 9, 0, tzinfo=BERLIN)
    timer = Timer.start(3600, start).pause(cal, start + timedelta(minutes=20))
    assert timer.with_budget(1800).left == 600


def test_warning_at_three_quarters():
    cal = Calendar.always_open()
    start = datetime(2026, 11, 23, 9, 0, tzinfo=BERLIN)
    timer = Timer.start(3600, start)
    assert timer.warn_at(cal, 75) == start + timedelta(minutes=45)


PROPS = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPS
@given(
    calendars(),
    instants(),
    st.integers(1, 600),
    st.lists(st.integers(1, 2 * 1440), min_size=0, max_size=6),
)
def test_pauses_match_the_reference(cal, start, budget, gaps):
    """Alternate run/pause at the given gaps (minutes); the deadline ignores paused time."""
    timer = Timer.start(budget * 60, start)
    t, paused, intervals, pause_start = start, False, [], None
    for gap in gaps:
        t = t + timedelta(minutes=gap)
        if paused:
            timer = timer.resume(t)
            intervals.append((pause_start, t))
        else:
            timer = timer.pause(cal, t)
            pause_start = t
        paused = not paused
    if paused:
        timer = timer.resume(t)
        intervals.append((pause_start, t))
    expected = ref_add(cal, start, budget, paused=intervals)
    if expected > t:
        assert timer.due(cal) == expected
    else:
        assert timer.left_at(cal, t) <= 0


@PROPS
@given(calendars(), calendars(), instants(), st.integers(1, 600), st.integers(0, 2 * 1440))
def test_calendar_edits_match_the_reference(old, new, start, budget, edit_after):
    edit = start + timedelta(minutes=edit_after)
    expected = ref_add(old, start, budget, switch=(edit, new))
    timer = Timer.start(budget * 60, start).rebase(old, edit)
    if expected > edit:
        assert timer.due(new) == expected
    else:
        assert timer.left <= 0
