"""CSAT on the care dashboard: the daily rows equal a recount of the survey rows, per
agent, team and day, and the page, the CSV export and the API show the same numbers."""

from __future__ import annotations

import csv
import io
from collections import Counter

import pytest
from django.core.cache import cache

from caredesk.feedback import actions as feedback_actions
from caredesk.feedback.models import Survey
from caredesk.reports import dashboard
from caredesk.reports.aggregates import backfill
from caredesk.tickets import actions
from caredesk.tickets.models import Status
from tests.api.conftest import ApiClient, token_for
from tests.reports.conftest import D, H, open_case, reply, resolve

# (days before now, agent, rating, changed to): the cases rated in the period.
RATED = [
    (12, "agent", "good", None),
    (12, "agent", "bad", None),
    (9, "other_agent", "neutral", "good"),  # changed the next hour: counts as good
    (5, "agent", "good", None),
    (2, "other_agent", "bad", None),
    (1, "agent", "neutral", None),
]


@pytest.fixture(autouse=True)
def _local_cache(settings):
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "cr"}
    }
    settings.CAREDESK_CSAT_THROTTLE_DAYS = 0
    cache.clear()
    yield
    cache.clear()


def rated_case(desk, at, agent, rating, changed):
    team = desk.billing if agent is desk.agent else desk.delivery
    ticket = open_case(desk, at, team=team)
    actions.do_assign(ticket, actor=agent, assignee=agent, team=team, now=at)
    reply(desk, ticket, at + H)
    resolve(desk, ticket, at + 2 * H)
    ticket.refresh_from_db()
    actions.do_change_status(ticket, actor=agent, status=Status.CLOSED, now=at + 3 * H)
    survey = Survey.objects.get(ticket=ticket)
    assert feedback_actions.do_send_survey(survey.pk, survey.send_at)
    when = survey.send_at + H
    feedback_actions.do_rate(survey.pk, customer=desk.bob, rating=rating, now=when)
    if changed:
        feedback_actions.do_rate(survey.pk, customer=desk.bob, rating=changed, now=when + H)
    return ticket


@pytest.fixture
def ratings(desk, frozen):
    for days, who, rating, changed in RATED:
        rated_case(desk, frozen - days * D, getattr(desk, who), rating, changed)
    backfill(20, frozen)
    return frozen


def recount(**where):
    rows = Survey.objects.exclude(rating="").filter(**where)
    return Counter(rows.values_list("rating", flat=True))


def test_csat_rows_equal_a_recount(desk, ratings):
    today = ratings.date()
    dash = dashboard.build(today - 29 * D, today)
    total = recount()
    assert (
        (dash.overall.csat_good, dash.overall.csat_neutral, dash.overall.csat_bad)
        == (
            total["good"],
            total["neutral"],
            total["bad"],
        )
        == (3, 1, 2)
    )
    assert dash.overall.csat_rate == 0.5
    for group in dash.by_agent:
        want = recount(agent_id=int(group.key))
        got = group.figures
        assert (got.csat_good, got.csat_neutral, got.csat_bad) == (
            want["good"],
            want["neutral"],
            want["bad"],
        ), group.label
    for group in dash.by_team:
        want = recount(team_id=int(group.key))
        assert group.figures.csat_ratings == sum(want.values()), group.label
    per_day = Counter()
    for row in Survey.objects.exclude(rating=""):
        per_day[row.first_rated_at.date()] += 1
    assert {d: f.csat_ratings for d, f in dash.days if f.csat_ratings} == dict(per_day)
    # A team filter narrows it.
    billing = dashboard.build(today - 29 * D, today, team_id=desk.billing.pk)
    assert billing.overall.csat_ratings == sum(recount(team_id=desk.billing.pk).values()) == 4


def test_page_csv_and_api_show_the_same_csat(client, desk, ratings):
    client.force_login(desk.lead)
    page = client.get("/reports/")
    text = page.content.decode()
    assert page.status_code == 200 and "CSAT" in text
    assert "3 good, 1 neutral, 2 bad of 6 ratings" in text
    rows = list(csv.reader(io.StringIO(client.get("/reports/export/agents.csv").content.decode())))
    header = rows[0]
    assert {"CSAT (good share)", "Rated good", "Rated neutral", "Rated bad"} <= set(header)
    by_label = {r[0]: dict(zip(header, r, strict=True)) for r in rows[1:]}
    assert by_label["Ada Agent"]["Rated good"] == "2" and by_label["Otto Other"]["Rated bad"] == "1"
    summary = list(
        csv.reader(io.StringIO(client.get("/reports/export/summary.csv").content.decode()))
    )
    srow = dict(zip(summary[0], summary[1], strict=True))
    assert (srow["Rated good"], srow["Rated neutral"], srow["Rated bad"]) == ("3", "1", "2")
    cache.clear()
    api = ApiClient(token_for(desk.lead, ratings))
    body = api.get("/api/v1/reports/care").json()
    s = body["summary"]
    assert (s["csat_good"], s["csat_neutral"], s["csat_bad"], s["csat_rate"]) == (3, 1, 2, 0.5)
    agents = {g["label"]: g["figures"] for g in body["by_agent"]}
    csv_agents = {label: int(r["Rated bad"]) for label, r in by_label.items()}
    assert {label: f["csat_bad"] for label, f in agents.items()} == csv_agents
