"""Macros through the API: CRUD with the page's rules, preview and apply on a case."""

from __future__ import annotations

from caredesk.core.models import Event
from caredesk.macros.models import Macro, MacroUse
from caredesk.tickets.models import Status

from .conftest import open_case


def create(client, **kw):
    body = {"title": "Slot confirmed", "body": "Hi {{ customer.first_name }}, {{ case.reference }}"}
    body.update(kw)
    return client.post("/api/v1/macros", body)


def test_crud_for_a_personal_macro(api, desk):
    made = create(api.agent, add_tags=["slot"], set_status="waiting_customer")
    assert made.status_code == 201, made.content
    out = made.json()
    assert out["scope"] == "personal" and out["owner"]["id"] == desk.agent.pk
    assert out["can_edit"] is True and out["use_count"] == 0
    pk = out["id"]
    assert api.agent.get(f"/api/v1/macros/{pk}").json()["title"] == "Slot confirmed"
    changed = api.agent.patch(f"/api/v1/macros/{pk}", {"title": "Slot booked", "add_tags": []})
    assert changed.status_code == 200 and changed.json()["title"] == "Slot booked"
    assert changed.json()["set_status"] == "waiting_customer"
    listed = api.agent.get("/api/v1/macros").json()["items"]
    assert [m["id"] for m in listed] == [pk]
    assert api.other_agent.get(f"/api/v1/macros/{pk}").status_code == 404
    assert api.agent.delete(f"/api/v1/macros/{pk}").status_code == 204
    assert not Macro.objects.exists()
    kinds = list(Event.objects.filter(kind__startswith="macro.").values_list("kind", flat=True))
    assert kinds == ["macro.created", "macro.updated", "macro.deleted"]


def test_agents_cannot_create_or_change_global_macros(api, desk):
    refused = create(api.agent, scope="global")
    assert refused.status_code == 403
    shared = create(api.admin, scope="global").json()
    assert api.agent.patch(f"/api/v1/macros/{shared['id']}", {"title": "x"}).status_code == 403
    assert api.agent.delete(f"/api/v1/macros/{shared['id']}").status_code == 403
    assert Macro.objects.get().title == "Slot confirmed"


def test_team_macros_are_listed_only_for_the_team(api, desk):
    made = create(api.lead, scope="team", team_id=desk.billing.pk)
    assert made.status_code == 201
    assert [m["id"] for m in api.agent.get("/api/v1/macros?usable=true").json()["items"]] == [
        made.json()["id"]
    ]
    assert api.other_agent.get("/api/v1/macros?usable=true").json()["items"] == []


def test_hostile_and_malformed_macros_are_refused(api, desk):
    cases = [
        ({"body": "{{ settings.SECRET_KEY }}"}, 400, "invalid_placeholder"),
        ({"body": "{% load static %}{% static 'x' %}"}, 400, "template_tag"),
        ({"body": "x" * 1_000_000}, 400, "too_long"),
        ({"title": ""}, 400, "empty"),
        ({"scope": "team"}, 400, "missing_team"),
        ({"team_id": 999999, "scope": "team"}, 422, "unknown_team"),
        ({"set_assignee_id": 999999}, 422, "unknown_user"),
        ({"promise_kind": "update", "promise_text": "x"}, 400, "incomplete_promise"),
        ({"surprise": 1}, 422, "validation_error"),
        ({"title": "a\x00b"}, 422, "validation_error"),
        ({"add_tags": "notalist"}, 422, "validation_error"),
    ]
    for fields, status, code in cases:
        response = create(api.agent, **fields)
        assert response.status_code == status, (fields, response.content)
        assert response.json()["error"]["code"] == code, fields
    assert api.agent.post("/api/v1/macros", raw="{not json").status_code == 400
    assert not Macro.objects.exists()


def test_preview_and_apply_on_a_case(api, desk, now):
    ticket = open_case(desk, now, team=desk.billing)
    macro = create(
        api.admin,
        scope="global",
        set_status="waiting_customer",
        set_team_id=desk.delivery.pk,
        set_assignee_id=desk.agent.pk,
    ).json()
    base = f"/api/v1/cases/{ticket.pk}/macros/{macro['id']}"
    shown = api.agent.get(f"{base}/preview")
    assert shown.status_code == 200
    assert shown.json()["text"] == f"Hi Alice, {ticket.reference}"
    applied = api.agent.post(f"{base}/apply")
    assert applied.status_code == 200, applied.content
    out = applied.json()
    assert out["text"] == f"Hi Alice, {ticket.reference}"
    # Ada is not in Delivery: that change is refused by the case action, the rest done.
    assert [r["step"] for r in out["refused"]] == ["owner"]
    assert out["done"] == ["Set status to Waiting on customer"]
    ticket.refresh_from_db()
    assert ticket.status == Status.WAITING_CUSTOMER and ticket.team == desk.billing
    assert MacroUse.objects.get().pk == out["use_id"]
    assert api.agent.get(f"/api/v1/macros/{macro['id']}").json()["use_count"] == 1


def test_apply_checks_case_access_and_token_kind(api, desk, now):
    ticket = open_case(desk, now, team=desk.billing)
    macro = create(api.admin, scope="global").json()
    base = f"/api/v1/cases/{ticket.pk}/macros/{macro['id']}"
    assert api.other_agent.post(f"{base}/apply").status_code == 404
    assert api.alice.post(f"{base}/apply").status_code == 403
    assert api.anonymous.post(f"{base}/apply").status_code == 401
    assert api.agent.post(f"/api/v1/cases/{ticket.pk}/macros/999999/apply").status_code == 404
    assert not MacroUse.objects.exists()


def test_apply_with_an_idempotency_key_applies_once(api, desk, now):
    ticket = open_case(desk, now, team=desk.billing)
    macro = create(api.admin, scope="global", add_tags=["once"]).json()
    url = f"/api/v1/cases/{ticket.pk}/macros/{macro['id']}/apply"
    first = api.agent.post(url, headers={"Idempotency-Key": "apply-1"})
    again = api.agent.post(url, headers={"Idempotency-Key": "apply-1"})
    assert first.status_code == again.status_code == 200
    assert first.json() == again.json()
    assert MacroUse.objects.count() == 1


def test_hostile_search_queries_are_clean(api, desk):
    create(api.agent)
    for q in ("\x00", "%", "a" * 200):
        assert api.agent.get("/api/v1/macros", {"q": q}).status_code == 200
    assert api.agent.get("/api/v1/macros", {"q": "a" * 201}).status_code == 422
