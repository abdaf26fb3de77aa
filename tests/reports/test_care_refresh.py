"""The daily care figures: FCR, repeat contacts, reopens, with an injected clock."""

from __future__ import annotations

from caredesk.reports.care import refresh_care_day
from caredesk.reports.models import CareDay
from tests.reports.conftest import D, solved_once


def totals(day, model=CareDay, **filters):
    rows = model.objects.filter(day=day, **filters)
    out = {}
    for row in rows:
        for name in (
            "opened",
            "resolved",
            "fcr_yes",
            "fcr_pending",
            "reopened",
            "repeat_contacts",
            "protected",
            "backlog",
            "first_responses",
        ):
            out[name] = out.get(name, 0) + getattr(row, name)
    return out


def test_fcr_is_pending_for_seven_days_then_yes(desk, now):
    start = now - 20 * D
    case = solved_once(desk, start)
    day = start.date()
    refresh_care_day(day, start + 2 * D)
    assert totals(day)["resolved"] == 1 and totals(day)["fcr_pending"] == 1
    refresh_care_day(day, start + 8 * D)
    assert totals(day)["fcr_yes"] == 1 and totals(day)["fcr_pending"] == 0
    assert case.pk
