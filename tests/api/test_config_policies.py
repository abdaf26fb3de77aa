"""SLA policies and tier rules through the API."""

from __future__ import annotations

import pytest

from caredesk.sla.models import BusinessCalendar, SlaPolicy, TierRule
from caredesk.tickets.models import AuditEvent, Ticket
from tests.api.conftest import assert_error, open_case

URL = "/api/v1/sla-policies"


@pytest.fixture
def calendar(desk):
    return BusinessCalendar.objects.create(name="24/7", time_zone="UTC", always_open=True)


def make(api, calendar, **extra):
    body = {"name": "Standard", "calendar_id": calendar.pk, "first_response_minutes": 60, **extra}
    response = api.admin.post(URL, body)
    assert response.status_code == 201, response.content
    return response.json()


def test_admin_creates_and_changes_a_policy_and_open_cases_follow(desk, api, now, calendar):
    case = open_case(desk, now, team=desk.billing)
    assert Ticket.objects.get(pk=case.pk).sla_policy_id is None
    body = make(api, calendar, tier="vip", priority="", warn_at_percent=80)
    assert body["calendar"] == {"id": calendar.pk, "name": "24/7"}
    assert body["tier"] == "vip" and body["team"] is None and body["is_active"] is True
    # Alice is a VIP: the new policy applies to her open case.
    ticket = Ticket.objects.get(pk=case.pk)
    assert ticket.sla_policy_id == body["id"] and ticket.first_response_due_at is not None
    url = f"{URL}/{body['id']}"
    changed = api.admin.patch(url, {"first_response_minutes": 30, "team_id": desk.billing.pk})
    assert changed.status_code == 200, changed.content
    assert changed.json()["team"] == {"id": desk.billing.pk, "name": "Billing"}
    assert api.lead.get(url).json() == changed.json()
    event = AuditEvent.objects.get(verb="sla_policy_updated")
    assert event.old_value["first_response_minutes"] == 60
    assert event.new_value["first_response_minutes"] == 30
    # Retired: the case no longer runs under it.
    assert api.admin.patch(url, {"is_active": False}).json()["is_active"] is False
    assert Ticket.objects.get(pk=case.pk).sla_policy_id is None
    # Clearing targets and the team: null is allowed where it means "none".
    assert api.admin.patch(url, {"team_id": None}).json()["team"] is None


def test_policies_are_listed_in_the_order_they_are_tried(desk, api, calendar):
    ids = [make(api, calendar, name=f"P{i}", order=o)["id"] for i, o in enumerate((30, 10, 20))]
    first = api.lead.get(URL, {"limit": 2}).json()
    rest = api.lead.get(URL, {"limit": 2, "cursor": first["next_cursor"]}).json()
    assert [p["id"] for p in first["items"] + rest["items"]] == [ids[1], ids[2], ids[0]]
    assert rest["next_cursor"] is None


@pytest.mark.parametrize(
    "body,status,code",
    [
        ({"first_response_minutes": None}, 422, "no_target"),
        ({"calendar_id": 999999}, 422, "unknown_calendar"),
        ({"team_id": 999999}, 422, "unknown_team"),
        ({"first_response_minutes": 0}, 422, "validation_error"),
        ({"first_response_minutes": 525_601}, 422, "validation_error"),
        ({"first_response_minutes": "sixty"}, 422, "validation_error"),
        ({"warn_at_percent": 100}, 422, "validation_error"),
        ({"tier": "platinum"}, 422, "validation_error"),
        ({"priority": "whenever"}, 422, "validation_error"),
        ({"order": -1}, 422, "validation_error"),
        ({"name": "x" * 101}, 422, "validation_error"),
        ({"name": "  "}, 422, "empty"),
        ({"colour": "red"}, 422, "validation_error"),
    ],
)
def test_bad_policies_are_refused_and_nothing_is_written(desk, api, calendar, body, status, code):
    payload = {"name": "Bad", "calendar_id": calendar.pk, "first_response_minutes": 60, **body}
    assert_error(api.admin.post(URL, payload), status, code)
    assert not SlaPolicy.objects.exists()


def test_policy_conflicts_nulls_and_unknown_ids(desk, api, calendar):
    policy = make(api, calendar)
    assert_error(
        api.admin.post(
            URL, {"name": "STANDARD", "calendar_id": calendar.pk, "resolution_minutes": 5}
        ),
        409,
        "name_taken",
    )
    url = f"{URL}/{policy['id']}"
    assert_error(api.admin.patch(url, {"calendar_id": None}), 422, "null_not_allowed")
    assert_error(api.admin.patch(url, {"first_response_minutes": None}), 422, "no_target")
    assert api.admin.get(url).json() == policy
    assert_error(api.admin.patch(f"{URL}/999999", {"order": 1}), 404, "not_found")
    assert_error(api.admin.post(URL, raw="[1, 2"), 400, "malformed_json")


def test_policy_permissions(desk, api, calendar):
    policy = make(api, calendar)
    url = f"{URL}/{policy['id']}"
    body = {"name": "Other", "calendar_id": calendar.pk, "resolution_minutes": 480}
    for client, status in ((api.anonymous, 401), (api.alice, 403), (api.agent, 403)):
        assert_error(client.get(URL), status)
        assert_error(client.get(url), status)
    for client in (api.agent, api.lead, api.manager):
        assert_error(client.post(URL, body), 403, "admins_only")
        assert_error(client.patch(url, {"order": 1}), 403, "admins_only")
    assert_error(api.alice.post(URL, body), 403, "staff_only")
    assert_error(api.anonymous.patch(url, {"order": 1}), 401)
    for client in (api.lead, api.manager, api.admin):
        assert client.get(url).status_code == 200
    assert SlaPolicy.objects.get(pk=policy["id"]).order == 100


# --- tier rules -----------------------------------------------------------------------


def test_admin_sets_and_removes_tier_rules(desk, api):
    url = "/api/v1/tier-rules/vip"
    body = {"weight": 0.5, "max_wait_minutes": 120, "bound_clock": "business"}
    response = api.admin.put(url, body)
    assert response.status_code == 200, response.content
    assert response.json()["bound_label"] == "2 business hours"
    assert TierRule.objects.get(tier="vip").weight == 0.5
    assert AuditEvent.objects.filter(verb="sla_tier_rule_changed").count() == 1
    again = api.admin.put(url, {"weight": 0.5, "max_wait_minutes": 120, "bound_clock": "wall"})
    assert again.json()["bound_label"] == "2 hours round the clock"
    listed = api.lead.get("/api/v1/tier-rules").json()
    assert [r["tier"] for r in listed["items"]] == ["vip"] and listed["next_cursor"] is None
    assert api.admin.delete(url).status_code == 204
    assert not TierRule.objects.exists()
    assert_error(api.admin.delete(url), 404, "not_found")


@pytest.mark.parametrize(
    "body",
    [
        {"weight": 0},
        {"weight": 21},
        {"weight": "heavy"},
        {"max_wait_minutes": 0},
        {"max_wait_minutes": 10**9},
        {"bound_clock": "lunar"},
        {"tier": "vip"},
    ],
)
def test_bad_tier_rules_are_refused(desk, api, body):
    assert_error(api.admin.put("/api/v1/tier-rules/vip", body), 422, "validation_error")
    assert not TierRule.objects.exists()


def test_tier_rule_permissions_and_unknown_tier(desk, api):
    url = "/api/v1/tier-rules/standard"
    assert_error(api.admin.put("/api/v1/tier-rules/platinum", {}), 422, "validation_error")
    assert_error(api.anonymous.put(url, {}), 401)
    assert_error(api.alice.put(url, {}), 403, "staff_only")
    for client in (api.agent, api.lead, api.manager):
        assert_error(client.put(url, {}), 403, "admins_only")
        assert_error(client.delete(url), 403, "admins_only")
    assert_error(api.agent.get("/api/v1/tier-rules"), 403, "leads_only")
    assert not TierRule.objects.exists()
