"""The care dashboard page, its filters, CSV exports, the API and what they read."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from caredesk.reports.aggregates import backfill
from caredesk.tickets import actions
from tests.api.conftest import ApiClient, token_for
from tests.reports.conftest import D, open_case, reopen, solved_once


@pytest.fixture
def history(desk, frozen):
    start = frozen - 12 * D
    solved_once(desk, start)  # FCR yes
    second = solved_once(
        desk, start + 3 * D, customer=desk.alice, subject="Parcel late", body="Where is it?"
    )
    reopen(desk, second, start + 4 * D)  # reopened: FCR no
    hostile = open_case(desk, frozen - D, subject="Still open")
    actions.do_set_tags(hostile, actor=desk.agent, names=["=cmd|calc"], now=frozen - D)
    backfill(20, frozen)
    return start


def page_text(client, url="/reports/"):
    page = client.get(url)
    return page, page.content.decode()


def test_dashboard_leads_with_fcr_repeat_and_reopen(client, desk, history):
    client.force_login(desk.lead)
    page, text = page_text(client)
    assert page.status_code == 200
    order = ["First-contact resolution", "Repeat contacts", "Reopen rate",
             "Response times by tier", "Promises kept", "Volume", "Backlog", "Handle time"]  # fmt: skip
    positions = [text.index(f">{label}<") for label in order]
    assert positions == sorted(positions)
    assert "<svg" in text and 'class="tick"' in text  # real axes with tick labels
    assert ">50%<" in text  # FCR: one of the two decided resolutions
    assert 'href="/reports/"' in text and 'aria-current="page"' in text  # in the nav


def test_team_filter_narrows_the_figures(client, desk, history):
    client.force_login(desk.manager)
    _page, text = page_text(client, f"/reports/?team={desk.delivery.pk}")
    assert "No case was opened, resolved or answered" in text and "in Delivery" in text
    page, text = page_text(client, f"/reports/?team={desk.billing.pk}")
    assert page.status_code == 200 and "First-contact resolution" in text


@pytest.mark.parametrize(
    "query,message",
    [
        ("from=yesterday", "must look like 2026-11-23"),
        ("from=2026-02-30", "must look like 2026-11-23"),
        ("from=2026-11-23&to=2026-11-01", "start date is after the end date"),
        ("from=2020-01-01&to=2026-01-01", "at most 366 days"),
        ("to=0001-01-01", "must look like"),
        ("from=" + "9" * 5000, "must look like"),
        ("team=abc", "Choose a team from the list"),
        ("team=99999999", "no such team"),
        ("team=" + "1" * 400, "Choose a team from the list"),
        ("from=%3Cscript%3Ealert(1)%3C/script%3E", "must look like"),
    ],
)
def test_bad_filters_get_a_clear_error(client, desk, frozen, query, message):
    client.force_login(desk.admin)
    page, text = page_text(client, "/reports/?" + query)
    assert page.status_code == 400 and message in text and "<script>alert" not in text
    csv_page = client.get("/reports/export/teams.csv?" + query)
    assert csv_page.status_code == 400 and message in csv_page.content.decode()


def test_empty_state(client, desk, frozen):
    client.force_login(desk.lead)
    page, text = page_text(client, "/reports/?from=2020-01-01&to=2020-01-31")
    assert page.status_code == 200 and "No case was opened, resolved or answered" in text
    assert "<svg" not in text


def test_only_leads_managers_and_admins(client, desk, frozen):
    client.force_login(desk.agent)
    assert client.get("/reports/").status_code == 403
    assert client.get("/reports/export/teams.csv").status_code == 403
    client.force_login(desk.alice.user)
    assert client.get("/reports/")["Location"] == "/portal/"
    client.logout()
    assert client.get("/reports/")["Location"].startswith("/login/")


def rows(response):
    return list(csv.reader(io.StringIO(response.content.decode())))


def test_csv_export_of_every_table(client, desk, history):
    client.force_login(desk.lead)
    for name in ("summary", "days", "teams", "agents", "channels", "tiers", "tags", "response"):
        got = client.get(f"/reports/export/{name}.csv")
        assert got.status_code == 200 and got["Content-Type"].startswith("text/csv")
        assert "attachment" in got["Content-Disposition"]
        assert len(rows(got)) >= 2, name
    summary = rows(client.get("/reports/export/summary.csv"))
    header, values = summary[0], summary[1]
    assert header[:3] == ["Period", "FCR", "Resolved"] and header[-1].startswith("Handle time")
    figures = dict(zip(header, values, strict=True))
    assert figures["Resolved"] == "2" and figures["FCR yes"] == "1" and figures["Reopened"] == "1"
    assert figures["FCR"] == "0.5" and figures["Opened"] == "3"
    tags = rows(client.get("/reports/export/tags.csv"))
    assert [r[0] for r in tags[1:] if "cmd" in r[0]] == ["'=cmd|calc"]  # no formula injection
    assert client.get("/reports/export/nope.csv").status_code == 404


def test_dashboard_reads_only_aggregate_tables(client, desk, history):
    client.force_login(desk.lead)
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/reports/").status_code == 200
    sql = " ".join(q["sql"] for q in queries.captured_queries).lower()
    assert "reports_careteamday" in sql and "reports_careagentday" in sql
    assert "reports_carechannelday" in sql and "reports_careday" not in sql
    assert "reports_caretagday" in sql
    for table in ("tickets_ticket", "tickets_message", "tickets_auditevent", "promises_promise"):
        assert table not in sql, table
    assert len(queries.captured_queries) <= 16


def test_the_same_numbers_in_the_api(client, desk, history, frozen):
    cache.clear()
    lead = ApiClient(token_for(desk.lead, frozen))
    got = lead.get("/api/v1/reports/care")
    assert got.status_code == 200, got.content
    body = got.json()
    summary = body["summary"]
    assert summary["resolved"] == 2 and summary["fcr_yes"] == 1 and summary["fcr_rate"] == 0.5
    assert summary["reopened"] == 1 and summary["reopen_rate"] == 0.5 and summary["opened"] == 3
    assert {"by_team", "by_agent", "by_channel", "by_tier", "by_tag", "days"} <= set(body)
    assert len(body["days"]) == 30
    bad = lead.get("/api/v1/reports/care", {"from": "2026-13-01"})
    assert bad.status_code == 400 and "must look like" in bad.json()["error"]["message"]
    bad = lead.get("/api/v1/reports/care", {"team": "x"})
    assert bad.status_code == 400
    agent = ApiClient(token_for(desk.agent, frozen))
    assert agent.get("/api/v1/reports/care").status_code == 403
    customer = ApiClient(token_for(desk.alice.user, frozen))
    assert customer.get("/api/v1/reports/care").status_code == 403
