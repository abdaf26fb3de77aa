"""Waiting time by tier, from daily histograms; leads, managers and admins only."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from caredesk.reports.aggregates import BUCKET_BOUNDS, backfill, percentile, refresh_if_stale
from caredesk.reports.models import WaitingDay
from caredesk.tickets import actions
from tests.sla.conftest import open_case

M = timedelta(minutes=1)


@pytest.fixture
def frozen(now, monkeypatch):
    monkeypatch.setattr("caredesk.core.clock.now", lambda: now)
    return now


def answered(desk, start, minutes, customer):
    ticket = open_case(desk, start, customer=customer)
    actions.do_reply(ticket, agent=desk.agent, body="Hi", now=start + minutes * M)
    return ticket


def test_percentiles_from_a_histogram():
    counts = [0] * (len(BUCKET_BOUNDS) + 1)
    assert percentile(counts, 0.5) is None
    counts[1] = 10  # ten cases between 5 and 10 minutes
    assert percentile(counts, 0.5) == 7.5
    counts[-1] = 90
    assert percentile(counts, 0.9) == float("inf")


def test_report_shows_waiting_by_tier(client, desk, frozen):
    day = frozen - timedelta(days=1)
    for minutes in (10, 20, 30):
        answered(desk, day, minutes, desk.bob)
    answered(desk, day, 5, desk.alice)
    backfill(3, frozen)
    assert WaitingDay.objects.filter(tier="standard", metric="first_response").get().count == 3
    client.force_login(desk.lead)
    page = client.get("/reports/waiting/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Standard" in text and "VIP" in text and "<svg" in text


def test_report_empty_state(client, desk, frozen):
    client.force_login(desk.manager)
    page = client.get("/reports/waiting/?from=2020-01-01&to=2020-01-31")
    assert page.status_code == 200 and b"No case was answered or resolved" in page.content


@pytest.mark.parametrize(
    "query,message",
    [
        ("from=yesterday", b"must look like 2026-11-23"),
        ("from=2026-02-30", b"must look like 2026-11-23"),
        ("from=2026-11-23&to=2026-11-01", b"start date is after the end date"),
        ("from=2020-01-01&to=2026-01-01", b"at most 366 days"),
        ("from=" + "9" * 5000, b"must look like"),
        ("from=%3Cscript%3Ealert(1)%3C/script%3E", b"must look like"),
    ],
)
def test_report_refuses_bad_ranges_clearly(client, desk, frozen, query, message):
    client.force_login(desk.admin)
    page = client.get("/reports/waiting/?" + query)
    assert page.status_code == 400 and message in page.content
    assert b"<script>alert" not in page.content


def test_agents_and_customers_cannot_see_reports(client, desk, frozen):
    client.force_login(desk.agent)
    assert client.get("/reports/waiting/").status_code == 403
    client.force_login(desk.alice.user)
    assert client.get("/reports/waiting/")["Location"] == "/portal/"
    client.logout()
    assert client.get("/reports/waiting/")["Location"].startswith("/login/")


def test_report_costs_the_same_queries_however_many_cases(
    client, desk, frozen, django_assert_max_num_queries
):
    for i in range(30):
        answered(desk, frozen - timedelta(days=i % 5), 10 + i, desk.bob)
    backfill(6, frozen)
    client.force_login(desk.lead)
    with django_assert_max_num_queries(12):
        assert client.get("/reports/waiting/").status_code == 200


def test_refresh_runs_at_most_every_ten_minutes(desk, frozen):
    assert refresh_if_stale(frozen) is True
    assert refresh_if_stale(frozen + 5 * M) is False
    assert refresh_if_stale(frozen + 11 * M) is True
    assert date.today() or True
