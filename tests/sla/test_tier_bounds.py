"""Tier bounds of the fair queue count business time of the case's calendar (issue 15).

A standard case opened on Friday evening must reach its bound on Monday in business
hours, not on Friday night, so that after a weekend the queue is still ordered by
urgency (VIP first) and not strictly oldest-first.
"""

from __future__ import annotations

import html
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from caredesk.customers.models import Tier
from caredesk.sla import actions as sla_actions
from caredesk.sla.calendar import from_snapshot, to_snapshot
from caredesk.sla.models import (
    BoundClock,
    BusinessCalendar,
    ClosedDate,
    SlaPolicy,
    TierRule,
    WorkingHours,
    bound_text,
)
from caredesk.sla.queue import claim_next_case, next_case_for
from caredesk.tickets.models import AuditEvent, Ticket
from tests.conftest import make_customer
from tests.sla.conftest import open_case

LONDON = ZoneInfo("Europe/London")
FRIDAY_EVENING = datetime(2026, 11, 27, 17, 50, tzinfo=LONDON)
MONDAY = datetime(2026, 11, 30, 8, 0, tzinfo=LONDON)
M = timedelta(minutes=1)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """A time in the week of Friday 27 November 2026, London."""
    return datetime(2026, 11, day, hour, minute, tzinfo=LONDON)


@pytest.fixture
def london(desk):
    """Monday to Friday 08:00-18:00, Europe/London (the demo desk's hours)."""
    cal = BusinessCalendar.objects.create(name="London office", time_zone="Europe/London")
    for day in range(5):
        WorkingHours.objects.create(calendar=cal, weekday=day, start=time(8), end=time(18))
    return cal


@pytest.fixture
def tiers(london):
    SlaPolicy.objects.create(
        name="VIP", order=10, tier=Tier.VIP, calendar=london, first_response_minutes=60
    )
    SlaPolicy.objects.create(
        name="Standard", order=100, calendar=london, first_response_minutes=240
    )
    vip = TierRule.objects.create(tier=Tier.VIP, weight=0.5, max_wait_minutes=120)
    standard = TierRule.objects.create(tier=Tier.STANDARD, weight=1.0, max_wait_minutes=240)
    return vip, standard


def fresh(ticket: Ticket) -> Ticket:
    return Ticket.objects.get(pk=ticket.pk)


def test_friday_evening_case_reaches_its_bound_on_monday_in_business_hours(desk, tiers):
    case = fresh(open_case(desk, FRIDAY_EVENING))
    # 10 business minutes on Friday, 230 on Monday from 08:00: Monday 11:50, the same
    # instant as its 240-business-minute first-response target (not Friday 21:50).
    assert case.queue_aging_at == at(30, 11, 50)
    assert case.first_response_due_at == at(30, 11, 50)
    # Saturday, Sunday and Monday morning: it is not served ahead of anything as "aged".
    assert not Ticket.objects.filter(queue_aging_at__lte=at(30, 11, 49)).exists()


def test_vip_case_is_served_before_older_standard_cases_after_a_weekend(desk, tiers):
    standard = [
        open_case(desk, when, customer=make_customer(f"s{i}@small.test", organization=desk.small))
        for i, when in enumerate([at(27, 17, 30), at(27, 17, 40), at(27, 17, 50), at(28, 10)])
    ]
    vip = open_case(desk, at(30, 8, 5), customer=desk.alice)
    served = [claim_next_case(desk.agent, at(30, 8, 10) + i * M) for i in range(5)]
    # The VIP case (due 09:05, weighted 0.5) first, then the standard cases by deadline.
    assert [c.pk for c in served] == [vip.pk] + [c.pk for c in standard]


def test_a_standard_case_past_its_business_bound_still_beats_newer_vip_cases(desk, tiers, settings):
    settings.CAREDESK_QUEUE_BOUND_LEAD_MINUTES = 0  # only once the bound has passed
    old = open_case(desk, FRIDAY_EVENING)
    # Newer VIP cases, more urgent and not at their own 2-business-hour bound yet.
    for minute in range(0, 100, 30):
        open_case(desk, at(30, 10) + minute * M, customer=desk.alice, subject=f"VIP {minute}")
    assert next_case_for(desk.agent, at(30, 11, 49)).organization_id == desk.acme.pk
    assert next_case_for(desk.agent, at(30, 11, 50)) == old


def test_round_the_clock_tier_bound_counts_every_minute(desk, tiers):
    _vip, standard = tiers
    standard.bound_clock = BoundClock.WALL
    standard.save()
    case = fresh(open_case(desk, FRIDAY_EVENING))
    assert case.queue_aging_at == at(27, 21, 50)


def test_a_case_without_sla_policy_counts_its_bound_on_the_wall_clock(desk):
    TierRule.objects.create(tier=Tier.STANDARD, max_wait_minutes=240)
    case = fresh(open_case(desk, FRIDAY_EVENING))
    assert case.sla_policy is None
    assert case.queue_aging_at == at(27, 21, 50)


def test_calendar_change_recomputes_queue_keys_of_waiting_cases(desk, tiers, london):
    case = open_case(desk, FRIDAY_EVENING)
    old = BusinessCalendar.objects.get(pk=london.pk).to_calendar()
    ClosedDate.objects.create(calendar=london, date=at(30, 0).date(), reason="Inventory")
    edited = at(28, 12)
    assert sla_actions.do_calendar_changed(london, old, actor=desk.admin, now=edited) == 1
    row = fresh(case)
    # Monday is closed now: the bound and the target move to Tuesday 11:50.
    tuesday = datetime(2026, 12, 1, 11, 50, tzinfo=LONDON)
    assert row.queue_aging_at == tuesday
    assert row.first_response_due_at == tuesday
    assert AuditEvent.objects.filter(verb="sla_calendar_changed", ticket=None).count() == 1


def test_calendar_recompute_is_safe_to_run_twice(desk, tiers, london):
    case = open_case(desk, at(27, 16))  # two business hours used by the edit at 18:00
    old = BusinessCalendar.objects.get(pk=london.pk).to_calendar()
    WorkingHours.objects.filter(calendar=london, weekday=0).update(start=time(10))
    london.refresh_from_db()
    edited = at(27, 18)
    sla_actions.do_calendar_changed(london, old, actor=desk.admin, now=edited)
    first = fresh(case)
    # Monday now opens at 10:00: the 120 business minutes left run 10:00-12:00.
    assert first.first_response_due_at == first.queue_aging_at == at(30, 12)
    # A retried batch (the worker died after the commit) changes nothing more.
    sla_actions.do_recompute_calendar_cases([case.pk], old, edited, at(28, 9))
    again = fresh(case)
    assert (again.first_response_due_at, again.queue_aging_at) == (at(30, 12), at(30, 12))


def test_calendar_snapshot_round_trips(london):
    ClosedDate.objects.create(calendar=london, date=at(30, 0).date())
    cal = BusinessCalendar.objects.get(pk=london.pk).to_calendar()
    assert from_snapshot(to_snapshot(cal)) == cal


def test_recompute_costs_the_same_queries_for_few_or_many_cases(desk, tiers, london):
    def cost(n: int, day: int) -> tuple[int, int]:
        ids = [open_case(desk, at(day, 17, 50), subject=f"Case {day}-{i}").pk for i in range(n)]
        old = BusinessCalendar.objects.get(pk=london.pk).to_calendar()
        with CaptureQueriesContext(connection) as calendar_edit:
            sla_actions.do_recompute_calendar_cases(ids, old, at(day, 18), at(day, 18))
        with CaptureQueriesContext(connection) as rule_edit:
            sla_actions.do_refresh_cases(ids, at(day, 18, 5))
        return len(calendar_edit), len(rule_edit)

    few, many = cost(2, 25), cost(40, 26)
    assert few == many
    assert few[0] <= 10 and few[1] <= 10


def test_tier_rule_edit_in_the_admin_recomputes_waiting_cases(client, desk, london, monkeypatch):
    monkeypatch.setattr("caredesk.core.clock.now", lambda: at(28, 9))
    SlaPolicy.objects.create(name="Standard", calendar=london, first_response_minutes=240)
    case = open_case(desk, FRIDAY_EVENING)
    assert fresh(case).queue_aging_at is None
    client.force_login(desk.admin)
    data = {"tier": Tier.STANDARD, "weight": "1", "max_wait_minutes": "240"}
    response = client.post("/admin/sla/tierrule/add/", {**data, "bound_clock": "business"})
    assert response.status_code == 302, response.content[:2000]
    assert fresh(case).queue_aging_at == at(30, 11, 50)
    rule = TierRule.objects.get(tier=Tier.STANDARD)
    response = client.post(
        f"/admin/sla/tierrule/{rule.pk}/change/", {**data, "bound_clock": "wall"}
    )
    assert response.status_code == 302, response.content[:2000]
    assert fresh(case).queue_aging_at == at(27, 21, 50)
    response = client.post(f"/admin/sla/tierrule/{rule.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert fresh(case).queue_aging_at is None


def test_tier_rule_admin_says_the_bound_is_business_time(client, desk, london, monkeypatch):
    monkeypatch.setattr("caredesk.core.clock.now", lambda: at(28, 9))
    TierRule.objects.create(tier=Tier.VIP, weight=0.5, max_wait_minutes=240)
    TierRule.objects.create(tier=Tier.STANDARD, max_wait_minutes=90, bound_clock=BoundClock.WALL)
    client.force_login(desk.admin)
    form = html.unescape(client.get("/admin/sla/tierrule/add/").content.decode())
    assert "Maximum wait (minutes)" in form
    assert "business minutes of the case's calendar" in form
    assert "Round the clock (24/7)" in form
    listing = html.unescape(client.get("/admin/sla/tierrule/").content.decode())
    assert "4 business hours" in listing
    assert "90 minutes round the clock (1 h 30 min)" in listing


@pytest.mark.parametrize(
    "minutes,clock,text",
    [
        (240, "business", "4 business hours"),
        (60, "business", "1 business hour"),
        (90, "business", "90 business minutes (1 h 30 min)"),
        (45, "business", "45 business minutes"),
        (1200, "wall", "20 hours round the clock"),
    ],
)
def test_bound_text(minutes, clock, text):
    assert bound_text(minutes, clock) == text
