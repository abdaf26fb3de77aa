"""The next-case button, SLA notices in the center, template tags and admin screens."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.template import Context, Template

from caredesk.sla.models import BusinessCalendar
from caredesk.tickets import actions
from caredesk.tickets.models import Ticket
from tests.sla.conftest import open_case, sweep

M = timedelta(minutes=1)


@pytest.fixture
def frozen(now, monkeypatch):
    monkeypatch.setattr("caredesk.core.clock.now", lambda: now)
    return now


def login(client, user):
    client.force_login(user)
    return client


def test_next_case_assigns_and_opens_it(client, desk, frozen, policy):
    ticket = open_case(desk, frozen)
    response = login(client, desk.agent).post("/sla/next/")
    assert response.status_code == 302 and response["Location"] == f"/cases/{ticket.pk}/"
    assert Ticket.objects.get(pk=ticket.pk).assignee == desk.agent


def test_next_case_with_empty_queue_says_so(client, desk, frozen, policy):
    response = login(client, desk.agent).post("/sla/next/", follow=False)
    assert response.status_code == 302 and response["Location"] == "/"
    messages = [str(m) for m in response.wsgi_request._messages]
    assert messages == ["No case is waiting for your teams right now."]


def test_next_case_refuses_get_strangers_and_customers(client, desk, frozen, policy):
    open_case(desk, frozen)
    assert client.post("/sla/next/")["Location"].startswith("/login/")
    assert login(client, desk.agent).get("/sla/next/").status_code == 405
    client.logout()
    response = login(client, desk.alice.user).post("/sla/next/")
    assert response["Location"] == "/portal/"
    assert Ticket.objects.filter(assignee__isnull=False).count() == 0


def test_next_case_needs_csrf(desk, frozen, policy):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(desk.agent)
    assert client.post("/sla/next/").status_code == 403


def test_sla_notices_are_in_the_notification_center(client, desk, frozen, policy):
    ticket = open_case(desk, frozen - 50 * M)
    actions.do_assign(ticket, actor=desk.lead, assignee=desk.agent, team=desk.billing, now=frozen)
    sweep(frozen)
    old = login(client, desk.agent).get("/sla/notifications/")
    assert old.status_code == 301 and old["Location"] == "/notifications/"
    page = client.get("/notifications/")
    assert page.status_code == 200
    assert ticket.reference in page.text and "75% of the first response" in page.text
    assert client.post("/notifications/read-all").status_code == 302
    assert "Unread</span>" not in client.get("/notifications/").text


def render(text, **context):
    return Template("{% load sla_tags %}" + text).render(Context(context))


def test_badge_shows_time_left_warning_overdue_and_paused(desk, now, policy):
    ticket = open_case(desk, now)
    row = Ticket.objects.get(pk=ticket.pk)
    assert "sla-ok" in render("{% sla_badge t now %}", t=row, now=now + 10 * M)
    assert "50m left" in render("{% sla_badge t now %}", t=row, now=now + 10 * M)
    sweep(now + 46 * M)
    row = Ticket.objects.get(pk=ticket.pk)
    assert "sla-warn" in render("{% sla_badge t now %}", t=row, now=now + 46 * M)
    html = render("{% sla_badge t now %}", t=row, now=now + 75 * M)
    assert "sla-breached" in html and "Overdue 15m" in html
    actions.do_reply(ticket, agent=desk.agent, body="Which invoice?", now=now + 80 * M)
    row = Ticket.objects.get(pk=ticket.pk)
    html = render("{% sla_badge t now %}", t=row, now=now + 200 * M)
    assert "sla-paused" in html and "paused 2h in total" in html


def test_details_panel(desk, now, policy):
    ticket = open_case(desk, now)
    actions.do_reply(ticket, agent=desk.agent, body="ok", now=now + 5 * M, status_after="open")
    row = Ticket.objects.get(pk=ticket.pk)
    html = render("{% sla_details t now %}", t=row, now=now + 10 * M)
    assert "First response" in html and "Met" in html and "7h 50m left" in html


def test_badge_escapes_and_handles_cases_without_sla(desk, now):
    ticket = Ticket.objects.get(pk=open_case(desk, now, subject="<script>x</script>").pk)
    assert render("{% sla_badge t now %}", t=ticket, now=now).strip() == ""
    assert "No SLA policy" in render("{% sla_details t now %}", t=ticket, now=now)


def test_admin_can_create_a_calendar_with_hours_and_closed_dates(client, desk, frozen):
    login(client, desk.admin)
    data = {
        "name": "Berlin",
        "time_zone": "Europe/Berlin",
        "holiday_country": "de",
        "holiday_subdivision": "be",
        "description": "",
        "hours-TOTAL_FORMS": "1",
        "hours-INITIAL_FORMS": "0",
        "hours-0-weekday": "0",
        "hours-0-start": "09:00",
        "hours-0-end": "17:00",
        "closed_dates-TOTAL_FORMS": "1",
        "closed_dates-INITIAL_FORMS": "0",
        "closed_dates-0-date": "2026-12-31",
        "closed_dates-0-reason": "Inventory",
    }
    response = client.post("/admin/sla/businesscalendar/add/", data)
    assert response.status_code == 302, response.content[:2000]
    cal = BusinessCalendar.objects.get(name="Berlin")
    assert cal.holiday_country == "DE"
    assert cal.to_calendar().week[0] == ((540, 1020),)


@pytest.mark.parametrize(
    "field,value,error",
    [
        ("time_zone", "Mars/Olympus", b"is not a time zone"),
        ("holiday_country", "XX", b"Unknown holiday region"),
        ("hours-0-end", "08:00", b"must end after it starts"),
        ("name", "x" * 500, b"at most 100 characters"),
    ],
)
def test_admin_refuses_bad_calendars(client, desk, frozen, field, value, error):
    login(client, desk.admin)
    data = {
        "name": "Bad",
        "time_zone": "UTC",
        "holiday_country": "",
        "holiday_subdivision": "",
        "hours-TOTAL_FORMS": "1",
        "hours-INITIAL_FORMS": "0",
        "hours-0-weekday": "0",
        "hours-0-start": "09:00",
        "hours-0-end": "17:00",
        "closed_dates-TOTAL_FORMS": "0",
        "closed_dates-INITIAL_FORMS": "0",
        field: value,
    }
    response = client.post("/admin/sla/businesscalendar/add/", data)
    assert response.status_code == 200 and error in response.content
    assert not BusinessCalendar.objects.filter(name="Bad").exists()


def test_admin_policy_pages_render(client, desk, frozen, policy):
    login(client, desk.admin)
    for url in (
        "/admin/sla/slapolicy/",
        f"/admin/sla/slapolicy/{policy.pk}/change/",
        "/admin/sla/tierrule/add/",
        "/admin/sla/teamrouting/add/",
        "/admin/sla/businesscalendar/",
    ):
        assert client.get(url).status_code == 200, url


def test_admin_refuses_policy_without_targets(client, desk, frozen, always_open):
    login(client, desk.admin)
    response = client.post(
        "/admin/sla/slapolicy/add/",
        {
            "name": "Empty",
            "order": "1",
            "calendar": always_open.pk,
            "warn_at_percent": "75",
            "is_active": "on",
        },
    )
    assert response.status_code == 200 and b"Set at least one target" in response.content
