"""Custom fields through the API: definitions (admins), values on cases, customers and
organizations, validation errors as 422 naming the field, per-team visibility."""

from __future__ import annotations

from caredesk.customfields.models import FieldDefinition
from caredesk.tickets.models import Status
from tests.api.conftest import assert_error

from .conftest import define, open_case


def test_an_admin_defines_changes_and_retires_a_field(desk, now, api):
    created = api.admin.post(
        "/api/v1/fields",
        {
            "key": "reason",
            "target": "case",
            "label": "Reason",
            "kind": "select",
            "options": ["late", "damaged"],
            "required_on": ["resolved"],
        },
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["key"] == "reason" and body["options"] == ["late", "damaged"]
    changed = api.admin.patch(f"/api/v1/fields/{body['id']}", {"label": "Why"})
    assert changed.status_code == 200 and changed.json()["label"] == "Why"
    assert changed.json()["options"] == ["late", "damaged"]
    error = assert_error(api.admin.patch(f"/api/v1/fields/{body['id']}", {"label": None}), 422)
    assert "label" in error["message"]
    retired = api.admin.post(f"/api/v1/fields/{body['id']}/retire")
    assert retired.status_code == 200 and retired.json()["is_active"] is False
    listed = api.admin.get("/api/v1/fields").json()["items"]
    assert [f["key"] for f in listed] == ["reason"]
    assert api.agent.get("/api/v1/fields").json()["items"] == []


def test_only_admins_define_and_a_bad_definition_is_a_422(desk, now, api):
    base = {"key": "reason", "target": "case", "label": "Reason", "kind": "text"}
    assert_error(api.lead.post("/api/v1/fields", base), 403, "admins_only")
    error = assert_error(api.admin.post("/api/v1/fields", {**base, "key": "Bad Key"}), 422)
    assert error["details"][0]["field"] == "key"
    assert_error(api.admin.post("/api/v1/fields", {**base, "kind": "colour"}), 422)
    assert_error(api.admin.post("/api/v1/fields", {**base, "label": "<b>" * 200}), 422)
    assert_error(api.admin.post("/api/v1/fields", {**base, "surprise": 1}), 422)
    assert not FieldDefinition.objects.exists()


def test_values_round_trip_through_patch_and_the_case_response(desk, now, api):
    define(desk, now, key="order_no", label="Order number")
    define(desk, now, key="amount", label="Amount", kind="number")
    define(desk, now, key="parts", label="Parts", kind="multiselect", options=["lid", "cup"])
    define(desk, now, key="ok", label="Verified", kind="checkbox")
    case = open_case(desk, now)
    response = api.agent.patch(
        f"/api/v1/fields/values/case/{case.pk}",
        {"fields": {"order_no": "A-1", "amount": 12.5, "parts": ["cup"], "ok": True}},
    )
    assert response.status_code == 200, response.content
    expected = {"order_no": "A-1", "amount": 12.5, "parts": ["cup"], "ok": True}
    assert response.json()["fields"] == expected
    assert api.agent.get(f"/api/v1/cases/{case.pk}").json()["fields"] == expected
    assert api.alice.get(f"/api/v1/cases/{case.pk}").json()["fields"] is None
    cleared = api.agent.patch(f"/api/v1/fields/values/case/{case.pk}", {"fields": {"amount": None}})
    assert cleared.json()["fields"]["amount"] is None


def test_wrong_values_are_422s_naming_the_field(desk, now, api):
    define(desk, now, key="amount", label="Amount", kind="number")
    define(desk, now, key="reason", label="Reason", kind="select", options=["late"])
    define(desk, now, key="order_no", label="Order number")
    case = open_case(desk, now)
    url = f"/api/v1/fields/values/case/{case.pk}"
    for fields, key in [
        ({"amount": "twelve"}, "amount"),
        ({"reason": "<script>alert(1)</script>"}, "reason"),
        ({"order_no": "x" * 100_000}, "order_no"),
        ({"nope": 1}, "nope"),
    ]:
        error = assert_error(api.agent.patch(url, {"fields": fields}), 422)
        assert error["details"][0]["field"] == key, error
    assert_error(api.agent.patch(url, {"fields": "not an object"}), 422)
    assert_error(api.agent.patch(url, {}), 422)
    assert_error(api.alice.patch(url, {"fields": {"order_no": "A"}}), 403)
    assert_error(api.agent.patch("/api/v1/fields/values/case/999999", {"fields": {}}), 404)
    assert_error(api.agent.patch(f"/api/v1/fields/values/planet/{case.pk}", {"fields": {}}), 422)


def test_resolving_through_the_api_names_the_required_field(desk, now, api):
    define(desk, now, key="cause", label="Root cause", required_on=["resolved"])
    case = open_case(desk, now)
    error = assert_error(
        api.agent.patch(f"/api/v1/cases/{case.pk}", {"status": Status.RESOLVED}), 422
    )
    assert "Root cause" in error["message"] and error["details"][0]["field"] == "cause"
    case.refresh_from_db()
    assert case.status != Status.RESOLVED


def test_a_team_field_is_not_in_another_teams_responses(desk, now, api):
    define(desk, now, key="secret", label="Billing note", team_ids=[desk.billing.pk])
    case = open_case(desk, now, team=None)
    assert api.agent.get(f"/api/v1/cases/{case.pk}").json()["fields"] == {"secret": None}
    assert api.other_agent.get(f"/api/v1/cases/{case.pk}").json()["fields"] == {}
    error = assert_error(
        api.other_agent.patch(f"/api/v1/fields/values/case/{case.pk}", {"fields": {"secret": "x"}}),
        422,
    )
    assert error["details"][0]["field"] == "secret"


def test_customer_and_organization_fields_are_in_their_responses(desk, now, api):
    define(desk, now, key="contract", target="customer", label="Contract")
    define(desk, now, key="region", target="organization", label="Region")
    assert (
        api.agent.patch(
            f"/api/v1/fields/values/customer/{desk.alice.pk}", {"fields": {"contract": "C-9"}}
        ).status_code
        == 200
    )
    assert (
        api.agent.patch(
            f"/api/v1/fields/values/organization/{desk.acme.pk}", {"fields": {"region": "EU"}}
        ).status_code
        == 200
    )
    assert api.agent.get(f"/api/v1/customers/{desk.alice.pk}").json()["fields"] == {
        "contract": "C-9"
    }
    listed = api.agent.get("/api/v1/organizations").json()["items"]
    assert {o["name"]: o["fields"] for o in listed}["Acme"] == {"region": "EU"}
