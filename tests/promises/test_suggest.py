"""Realistic due times from the team's own history (P2)."""

from __future__ import annotations

from datetime import time, timedelta

from caredesk.promises.models import Promise, State
from caredesk.promises.suggest import MIN_SAMPLE, percentile, realism_warning, suggest_due
from caredesk.sla.models import BusinessCalendar, SlaPolicy, WorkingHours


def history(case, desk, now, hours_list, kind="callback"):
    for i, hours in enumerate(hours_list):
        made = now - timedelta(days=20, minutes=i)
        Promise.objects.create(
            ticket=case,
            team=desk.billing,
            kind=kind,
            text="past",
            owner=desk.agent,
            created_at=made,
            due_at=made + timedelta(hours=48),
            state=State.KEPT,
            kept_at=made + timedelta(hours=hours),
            settled_at=made + timedelta(hours=hours),
        )


def test_percentile_is_nearest_rank():
    assert percentile([5, 1, 4, 2, 3, 6, 7, 8, 9, 10], 0.85) == 9
    assert percentile([42], 0.85) == 42


def test_not_enough_history_says_so(desk, case, now):
    history(case, desk, now, [1] * (MIN_SAMPLE - 1))
    s = suggest_due(desk.billing, "callback", now)
    assert not s.enough and s.sample == MIN_SAMPLE - 1
    assert s.text().startswith("Not enough history")
    assert realism_warning(desk.billing, "callback", now + timedelta(minutes=5), now) == ""


def test_suggestion_and_warning_from_kept_promises(desk, case, now):
    history(case, desk, now, [1, 2, 2, 3, 3, 4, 4, 5, 6, 24])
    history(case, desk, now, [100] * 10, kind="refund")  # other kinds do not count
    s = suggest_due(desk.billing, "callback", now)
    assert s.enough and s.seconds == 6 * 3600 and s.due_at == now + timedelta(hours=6)
    assert "85% of such promises within 6 hours" in s.text()
    warning = realism_warning(desk.billing, "callback", now + timedelta(hours=2), now)
    assert warning.startswith("This is faster than the team usually keeps such promises")
    assert realism_warning(desk.billing, "callback", now + timedelta(hours=7), now) == ""
    # Other teams have their own history.
    assert not suggest_due(desk.delivery, "callback", now).enough


def test_suggestion_in_business_time_when_the_team_has_a_calendar(desk, case, now):
    cal = BusinessCalendar.objects.create(name="Office", time_zone="UTC")
    for day in range(5):
        WorkingHours.objects.create(calendar=cal, weekday=day, start=time(9), end=time(17))
    SlaPolicy.objects.create(
        name="Billing", calendar=cal, team=desk.billing, resolution_minutes=600
    )
    # Made Friday 16:00, kept Monday 10:00: two business hours, not 66 wall-clock hours.
    friday = now - timedelta(days=10) + timedelta(hours=6, minutes=30)  # Fri 13 Nov 16:00 UTC
    for i in range(10):
        Promise.objects.create(
            ticket=case,
            team=desk.billing,
            kind="update",
            text="past",
            owner=desk.agent,
            created_at=friday - timedelta(days=7 * i),
            due_at=friday,
            state=State.KEPT,
            kept_at=friday - timedelta(days=7 * i) + timedelta(hours=66),
            settled_at=friday,
        )
    s = suggest_due(desk.billing, "update", now)  # Monday 09:30
    assert s.business and s.seconds == 2 * 3600
    assert s.due_at == now + timedelta(hours=2)
    assert "2 hours of business time" in s.text()
