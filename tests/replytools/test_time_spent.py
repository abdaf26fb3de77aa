"""Time spent with replies and notes: validation, the case total, the time report's
numbers and who may see it (page, CSV, API)."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest

from caredesk.core.errors import InvalidInput
from caredesk.tickets.actions import do_add_note, do_reply
from caredesk.tickets.models import Message, Ticket, TimeEntry
from caredesk.tickets.timespent import case_total, check_minutes
from tests.api.conftest import ApiClient, open_case, token_for


@pytest.mark.parametrize("bad", [-1, 1441, 10000, "abc", "1.5", "12 min", "-5", True, 3.5])
def test_time_is_whole_minutes_from_0_to_1440(bad):
    with pytest.raises(InvalidInput) as caught:
        check_minutes(bad)
    assert "minutes" in caught.value.message


def test_time_accepts_blank_numbers_and_text_numbers():
    assert check_minutes(None) is None and check_minutes("  ") is None
    assert check_minutes(0) == 0 and check_minutes("1440") == 1440 and check_minutes(" 15 ") == 15


def test_reply_and_note_record_time_and_the_case_total(desk, now):
    ticket = open_case(desk, now, team=desk.billing)
    do_reply(ticket, agent=desk.agent, body="Hello", now=now, minutes=15)
    do_add_note(ticket, agent=desk.lead, body="Checked the ledger", now=now, minutes="30")
    do_add_note(ticket, agent=desk.lead, body="No time given", now=now)
    ticket.refresh_from_db()
    assert ticket.time_spent_minutes == 45 == case_total(ticket.pk)
    entries = list(TimeEntry.objects.filter(ticket=ticket).order_by("minutes"))
    assert [(e.agent, e.minutes, e.team, e.customer) for e in entries] == [
        (desk.agent, 15, desk.billing, desk.alice),
        (desk.lead, 30, desk.billing, desk.alice),
    ]


def test_refused_time_writes_nothing(desk, now):
    ticket = open_case(desk, now)
    for bad in (-3, 10000, "ten"):
        with pytest.raises(InvalidInput):
            do_reply(ticket, agent=desk.agent, body="Hello", now=now, minutes=bad)
        with pytest.raises(InvalidInput):
            do_add_note(ticket, agent=desk.agent, body="Note", now=now, minutes=bad)
    assert Message.objects.filter(ticket=ticket).count() == 1
    assert not TimeEntry.objects.exists()


def test_case_page_shows_the_total_and_keeps_typed_text_on_refusal(desk, now, client):
    ticket = open_case(desk, now)
    client.force_login(desk.agent)
    empty = client.get(f"/cases/{ticket.pk}/").content.decode()
    assert "No time recorded yet" in empty
    refused = client.post(
        f"/cases/{ticket.pk}/note", {"note-body": "Called the courier", "note-minutes": "10000"}
    )
    assert refused.status_code in (400, 422)
    page = refused.content.decode()
    assert "between 0 and 1440 minutes" in page and 'value="10000"' in page
    assert "Called the courier" in page
    ok = client.post(
        f"/cases/{ticket.pk}/note", {"note-body": "Called the courier", "note-minutes": "95"}
    )
    assert ok.status_code == 302
    page = client.get(f"/cases/{ticket.pk}/").content.decode()
    assert "1 h 35 min" in page
    assert Ticket.objects.get(pk=ticket.pk).time_spent_minutes == 95


def test_api_takes_minutes_and_refuses_bad_ones(desk, now):
    ticket = open_case(desk, now)
    agent = ApiClient(token_for(desk.agent, now))
    url = f"/api/v1/cases/{ticket.pk}/messages"
    assert agent.post(url, {"body": "Note", "kind": "note", "minutes": 20}).status_code == 201
    for bad in (-1, 10000, "text"):
        assert agent.post(url, {"body": "Note", "kind": "note", "minutes": bad}).status_code == 422
    alice = ApiClient(token_for(desk.alice.user, now))
    assert alice.post(url, {"body": "Me", "minutes": 5}).status_code == 403
    assert agent.get(f"/api/v1/cases/{ticket.pk}").json()["time_spent_minutes"] == 20
    assert alice.get(f"/api/v1/cases/{ticket.pk}").json()["time_spent_minutes"] is None


@pytest.fixture
def recorded(desk, now):
    """Ada 15+45 on Alice's Billing case, Otto 30 on Bob's Delivery case, one old entry."""
    alice_case = open_case(desk, now, team=desk.billing)
    bob_case = open_case(desk, now, customer=desk.bob, team=desk.delivery)
    do_reply(alice_case, agent=desk.agent, body="One", now=now, minutes=15)
    do_add_note(alice_case, agent=desk.agent, body="Two", now=now, minutes=45)
    do_add_note(bob_case, agent=desk.other_agent, body="Three", now=now, minutes=30)
    do_add_note(
        bob_case, agent=desk.other_agent, body="Old", now=now - timedelta(days=90), minutes=600
    )
    return alice_case, bob_case


def _day(now) -> str:
    return f"{now:%Y-%m-%d}"


def test_time_report_numbers_per_agent_team_and_customer(desk, now, recorded, settings):
    lead = ApiClient(token_for(desk.lead, now))
    body = lead.get("/api/v1/reports/time", {"from": _day(now), "to": _day(now)}).json()
    assert body["total_minutes"] == 90 and body["total_entries"] == 3
    agents = {r["label"]: (r["minutes"], r["entries"], r["cases"]) for r in body["by_agent"]}
    assert agents == {"Ada Agent": (60, 2, 1), "Otto Other": (30, 1, 1)}
    assert [r["label"] for r in body["by_agent"]] == ["Ada Agent", "Otto Other"]  # most first
    teams = {r["label"]: r["minutes"] for r in body["by_team"]}
    assert teams == {"Billing": 60, "Delivery": 30}
    customers = {r["label"]: r["minutes"] for r in body["by_customer"]}
    assert customers == {"Alice Acme": 60, "Bob Small": 30}

    one_team = lead.get(
        "/api/v1/reports/time", {"from": _day(now), "to": _day(now), "team": desk.delivery.pk}
    ).json()
    assert one_team["total_minutes"] == 30
    bad = lead.get("/api/v1/reports/time", {"from": "yesterday"})
    assert bad.status_code == 400


def test_time_report_page_and_csv(desk, now, recorded, client):
    client.force_login(desk.lead)
    page = client.get("/reports/time/", {"from": _day(now), "to": _day(now)})
    assert page.status_code == 200
    text = page.content.decode()
    assert "1 h 30 min" in text and "Ada Agent" in text and "Bob Small" in text
    export = client.get("/reports/time/export/agent.csv", {"from": _day(now), "to": _day(now)})
    assert export["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(export.content.decode())))
    assert rows[0] == ["Agent", "id", "minutes", "hours", "entries", "cases"]
    assert rows[1][0] == "Ada Agent" and rows[1][2:] == ["60", "1.00", "2", "1"]
    assert client.get("/reports/time/export/nope.csv").status_code == 404
    refused = client.get("/reports/time/", {"from": "2026-13-40"})
    assert refused.status_code == 400 and "must look like" in refused.content.decode()
    empty = client.get("/reports/time/", {"from": "2020-01-01", "to": "2020-01-31"})
    assert "No time was recorded" in empty.content.decode()


def test_time_report_is_for_leads_managers_and_admins(desk, now, recorded, client):
    client.force_login(desk.agent)
    assert client.get("/reports/time/").status_code == 403
    assert client.get("/reports/time/export/agent.csv").status_code == 403
    assert ApiClient(token_for(desk.agent, now)).get("/api/v1/reports/time").status_code == 403
    assert ApiClient(token_for(desk.alice.user, now)).get("/api/v1/reports/time").status_code == 403
    client.force_login(desk.manager)
    assert client.get("/reports/time/").status_code == 200


def test_csv_cells_cannot_run_as_formulas(desk, now, client):
    desk.bob.name = '=HYPERLINK("http://evil.test")'
    desk.bob.save()
    ticket = open_case(desk, now, customer=desk.bob)
    do_add_note(ticket, agent=desk.agent, body="x", now=now, minutes=5)
    client.force_login(desk.lead)
    export = client.get("/reports/time/export/customer.csv", {"from": _day(now), "to": _day(now)})
    rows = list(csv.reader(io.StringIO(export.content.decode())))
    assert rows[1][0] == '\'=HYPERLINK("http://evil.test")'


def test_time_follows_a_merge(desk, now):
    from caredesk.tickets.merge import do_merge_cases

    duplicate = open_case(desk, now, team=desk.billing)
    target = open_case(desk, now, team=desk.billing)
    do_add_note(duplicate, agent=desk.agent, body="Checked", now=now, minutes=40)
    do_add_note(target, agent=desk.agent, body="Checked too", now=now, minutes=5)
    do_merge_cases(duplicate, target, actor=desk.agent, now=now)
    duplicate.refresh_from_db()
    target.refresh_from_db()
    assert (duplicate.time_spent_minutes, target.time_spent_minutes) == (0, 45)
    assert case_total(target.pk) == 45 and case_total(duplicate.pk) == 0


def test_the_report_costs_the_same_queries_for_few_or_many_entries(desk, now):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from caredesk.reports import time as time_report
    from caredesk.reports.filters import parse_filters

    filters = parse_filters(_day(now), _day(now), None, now)
    ticket = open_case(desk, now, team=desk.billing)
    do_add_note(ticket, agent=desk.agent, body="One", now=now, minutes=1)
    with CaptureQueriesContext(connection) as few:
        time_report.build(filters)
    for i in range(30):
        case = open_case(desk, now, customer=desk.bob if i % 2 else desk.alice)
        do_add_note(
            case, agent=desk.other_agent if i % 3 else desk.agent, body="x", now=now, minutes=2
        )
    with CaptureQueriesContext(connection) as many:
        report = time_report.build(filters)
    assert len(many) == len(few) == 4  # the totals, then one grouped query per table
    assert report.total_minutes == 61
