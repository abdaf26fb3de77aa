"""Business calendars through the API: who may read and change them, validation with the
field named, nothing half-written, and a change that moves an open case's SLA deadline."""

from __future__ import annotations

from datetime import timedelta

import pytest

from caredesk.sla.models import BusinessCalendar, ClosedDate, SlaPolicy, WorkingHours
from caredesk.tickets.models import AuditEvent
from tests.api.conftest import assert_error, open_case

URL = "/api/v1/calendars"
WEEK = [{"weekday": d, "start": "09:00", "end": "17:00"} for d in range(5)]


@pytest.fixture
def frozen(monkeypatch, now):
    class Clock:
        at = now

    monkeypatch.setattr("caredesk.core.clock.now", lambda: Clock.at)
    return Clock


def make(api, **extra):
    body = {"name": "Office", "time_zone": "Europe/Berlin", "hours": WEEK, **extra}
    response = api.admin.post(URL, body)
    assert response.status_code == 201, response.content
    return response.json()


def test_admin_creates_a_calendar_with_hours_holidays_and_closed_dates(desk, api, frozen):
    body = make(
        api,
        holiday_country="de",
        holiday_subdivision="be",
        hours=[*WEEK, {"weekday": 5, "start": "20:00", "end": "24:00"}],
        closed_dates=[{"date": "2026-12-31", "reason": " Inventory "}],
    )
    assert body["holiday_country"] == "DE" and body["holiday_subdivision"] == "BE"
    assert body["hours"][-1] == {"weekday": 5, "start": "20:00", "end": "24:00"}
    assert body["closed_dates"] == [{"date": "2026-12-31", "reason": "Inventory"}]
    cal = BusinessCalendar.objects.get(pk=body["id"])
    assert cal.to_calendar().week[5] == ((1200, 1440),)
    assert AuditEvent.objects.filter(verb="sla_calendar_created").count() == 1
    assert api.lead.get(f"{URL}/{cal.pk}").json() == body
    listed = api.manager.get(URL).json()
    assert [c["id"] for c in listed["items"]] == [cal.pk] and listed["next_cursor"] is None


def test_pages_of_calendars(desk, api, frozen):
    ids = [make(api, name=f"Cal {i}")["id"] for i in range(3)]
    first = api.lead.get(URL, {"limit": 2}).json()
    second = api.lead.get(URL, {"limit": 2, "cursor": first["next_cursor"]}).json()
    assert [c["id"] for c in first["items"] + second["items"]] == ids
    assert second["next_cursor"] is None
    assert_error(api.lead.get(URL, {"cursor": "garbage!"}), 400, "invalid_cursor")


WRITES = [
    ("post", URL, {"name": "X"}),
    ("patch", f"{URL}/{{id}}", {"name": "Y"}),
    ("delete", f"{URL}/{{id}}", None),
]


@pytest.mark.parametrize("method,path,body", WRITES)
def test_only_admins_change_calendars(desk, api, frozen, method, path, body):
    cal_id = make(api, name="Existing")["id"]
    url = path.format(id=cal_id)

    def call(client):
        return client.delete(url) if method == "delete" else getattr(client, method)(url, body)

    assert_error(call(api.anonymous), 401, "unauthorized")
    assert_error(call(api.alice), 403, "staff_only")
    for client in (api.agent, api.lead, api.manager):
        assert_error(call(client), 403, "admins_only")
    assert BusinessCalendar.objects.filter(pk=cal_id, name="Existing").exists()
    assert call(api.admin).status_code in (200, 201, 204)


def test_reads_are_for_leads_and_above(desk, api, frozen):
    cal_id = make(api)["id"]
    for path in (URL, f"{URL}/{cal_id}"):
        assert_error(api.anonymous.get(path), 401)
        assert_error(api.alice.get(path), 403, "staff_only")
        assert_error(api.agent.get(path), 403, "leads_only")
        for client in (api.lead, api.manager, api.admin):
            assert client.get(path).status_code == 200
    assert_error(api.lead.get(f"{URL}/999999"), 404, "not_found")


@pytest.mark.parametrize(
    "change,field,code",
    [
        ({"time_zone": "Mars/Olympus"}, "time_zone", "unknown_time_zone"),
        ({"time_zone": "europe/berlin"}, "time_zone", "unknown_time_zone"),
        ({"holiday_country": "XX"}, "holiday_country", "unknown_region"),
        ({"holiday_subdivision": "BE"}, "holiday_country", "no_country"),
        (
            {"hours": [WEEK[0], {"weekday": 0, "start": "16:00", "end": "18:00"}]},
            "hours.1",
            "overlapping_hours",
        ),
        ({"hours": [{"weekday": 0, "start": "24:00", "end": "24:00"}]}, "hours.0.end", None),
        ({"hours": [{"weekday": 0, "start": "09:00", "end": "24:30"}]}, "hours.0.end", None),
        ({"hours": [{"weekday": 0, "start": "9am", "end": "17:00"}]}, "hours.0.start", None),
        ({"hours": [{"weekday": 0, "start": "17:00", "end": "09:00"}]}, "hours.0.end", None),
        (
            {"closed_dates": [{"date": "2026-12-24"}, {"date": "2026-12-24"}]},
            "closed_dates.1.date",
            "duplicate_date",
        ),
    ],
)
def test_invalid_calendars_are_422_with_the_field_and_nothing_written(
    desk, api, frozen, change, field, code
):
    error = assert_error(api.admin.post(URL, {"name": "Bad", **change}), 422, code)
    assert error["details"][0]["field"] == field, error
    assert not BusinessCalendar.objects.filter(name="Bad").exists()
    # The same through PATCH: the calendar stays as it was.
    cal = make(api)
    error = assert_error(api.admin.patch(f"{URL}/{cal['id']}", change), 422, code)
    assert error["details"][0]["field"] == field
    assert api.admin.get(f"{URL}/{cal['id']}").json() == cal


@pytest.mark.parametrize(
    "body",
    [
        {"name": ""},
        {"name": "x" * 101},
        {"name": 5},
        {"name": "A", "always_open": "yes please"},
        {"name": "A", "hours": [{"weekday": 7, "start": "09:00", "end": "10:00"}]},
        {"name": "A", "hours": [{"weekday": 0, "start": "09:00"}]},
        {"name": "A", "hours": "Mon-Fri"},
        {"name": "A", "hours": [WEEK[0]] * 85},
        {"name": "A", "closed_dates": [{"date": "2026-02-30"}]},
        {"name": "A", "closed_dates": [{"date": "2026-12-24", "reason": "x" * 201}]},
        {"name": "A", "description": "x" * 5001},
        {"name": "A\x00B"},
        {"name": "A", "owner": "me"},
    ],
)
def test_malformed_and_oversized_calendars_are_refused(desk, api, frozen, body):
    assert_error(api.admin.post(URL, body), 422, "validation_error")
    assert not BusinessCalendar.objects.exists()
    assert not WorkingHours.objects.exists() and not ClosedDate.objects.exists()


def test_malformed_json_nulls_duplicates_and_unknown_ids(desk, api, frozen):
    assert_error(api.admin.post(URL, raw=b'{"name": "A",'), 400, "malformed_json")
    assert_error(api.admin.post(URL, raw=b"\xff\xfe"), 400, "malformed_json")
    cal = make(api)
    assert_error(api.admin.post(URL, {"name": "office"}), 409, "name_taken")
    other = make(api, name="Other")
    assert_error(api.admin.patch(f"{URL}/{other['id']}", {"name": "OFFICE"}), 409, "name_taken")
    assert_error(api.admin.patch(f"{URL}/{cal['id']}", {"hours": None}), 422, "null_not_allowed")
    assert_error(api.admin.patch(f"{URL}/999999", {"name": "Z"}), 404, "not_found")
    assert_error(api.admin.delete(f"{URL}/999999"), 404, "not_found")


def test_a_calendar_in_use_is_not_deleted(desk, api, frozen):
    cal = make(api)
    SlaPolicy.objects.create(
        name="Std", calendar_id=cal["id"], first_response_minutes=60, warn_at_percent=75
    )
    assert_error(api.admin.delete(f"{URL}/{cal['id']}"), 409, "calendar_in_use")
    assert BusinessCalendar.objects.filter(pk=cal["id"]).exists()
    unused = make(api, name="Unused")
    assert api.admin.delete(f"{URL}/{unused['id']}").status_code == 204
    assert not BusinessCalendar.objects.filter(pk=unused["id"]).exists()
    assert AuditEvent.objects.filter(verb="sla_calendar_deleted").count() == 1


def test_a_calendar_change_moves_an_open_cases_deadline(desk, api, frozen, now):
    # Monday 09:30 UTC. Office hours 09:00-17:00 UTC; first response within 60 minutes.
    cal = make(api, time_zone="UTC")
    policy = api.admin.post(
        "/api/v1/sla-policies",
        {"name": "Standard", "calendar_id": cal["id"], "first_response_minutes": 60},
    )
    assert policy.status_code == 201, policy.content
    case = open_case(desk, now, team=desk.billing)
    url = f"/api/v1/cases/{case.pk}"
    sla = api.lead.get(url).json()["sla"]
    assert sla["policy_id"] == policy.json()["id"]
    assert sla["first_response_due_at"] == "2026-11-23T10:30:00Z"
    # At 09:45 the desk closes 10:00-14:00 on Mondays: 15 minutes spent, 45 left, of which
    # 15 before 10:00 and 30 after 14:00.
    frozen.at = now + timedelta(minutes=15)
    monday = [
        {"weekday": 0, "start": "09:00", "end": "10:00"},
        {"weekday": 0, "start": "14:00", "end": "17:00"},
    ]
    response = api.admin.patch(f"{URL}/{cal['id']}", {"hours": monday + WEEK[1:]})
    assert response.status_code == 200, response.content
    assert api.lead.get(url).json()["sla"]["first_response_due_at"] == "2026-11-23T14:30:00Z"
    assert AuditEvent.objects.filter(verb="sla_calendar_changed").count() == 1
    # Customers do not see SLA internals.
    assert api.alice.get(url).json()["sla"] is None
