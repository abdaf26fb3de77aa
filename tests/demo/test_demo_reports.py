"""The demo's history fills the care dashboard with meaningful figures."""

from __future__ import annotations

from datetime import timedelta

from caredesk.reports.dashboard import build
from caredesk.reports.models import CareDay
from tests.conftest import NOW
from tests.demo.conftest import run_demo


def test_the_demo_backfills_a_meaningful_care_dashboard(db, client):
    result = run_demo(cases=60)
    assert result.code == 0, result.output
    today = NOW.date()
    dash = build(today - timedelta(days=34), today)
    o = dash.overall
    assert o.opened >= 60 and o.resolved > 10
    assert o.fcr_decided > 0 and o.fcr_rate is not None and 0 < o.fcr_rate < 1
    assert o.repeat_contacts > 0 and o.reopened > 0
    assert len(dash.by_team) >= 2 and len(dash.by_agent) >= 2
    assert CareDay.objects.filter(day__lt=today - timedelta(days=20)).exists()  # backfilled
