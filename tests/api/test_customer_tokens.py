"""A customer token sees only that customer's cases and public messages (404 otherwise)."""

from __future__ import annotations

import pytest

from caredesk.tickets import actions
from caredesk.tickets.models import MessageKind, Status, Ticket
from tests.api.conftest import assert_error, open_case


@pytest.fixture
def cases(desk, now):
    mine = open_case(desk, now, subject="Alice's blender is broken")
    bobs = open_case(desk, now, customer=desk.bob, subject="Bob's secret blender order")
    actions.do_add_note(
        mine, agent=desk.agent, body="Internal: she is a VIP, refund freely", now=now
    )
    actions.do_reply(mine, agent=desk.agent, body="Sorry! A new one is on its way.", now=now)
    return mine, bobs


def test_customer_lists_only_own_cases_without_staff_fields(desk, api, cases):
    mine, _bobs = cases
    body = api.alice.get("/api/v1/cases").json()
    assert [item["id"] for item in body["items"]] == [mine.pk]
    item = body["items"][0]
    assert item["assignee"] is None and item["team"] is None and item["organization"] is None
    assert item["tags"] == []


def test_customer_cannot_read_message_patch_or_search_another_customers_case(desk, api, cases):
    _mine, bobs = cases
    url = f"/api/v1/cases/{bobs.pk}"
    missing = api.alice.get("/api/v1/cases/999999")
    assert_error(missing, 404, "not_found")
    for response in (
        api.alice.get(url),
        api.alice.get(url + "/messages"),
        api.alice.post(url + "/messages", {"body": "let me in"}),
        api.alice.patch(url, {"status": "resolved"}),
    ):
        error = assert_error(response, 404, "not_found")
        # Indistinguishable from a case that does not exist.
        assert response.json() == missing.json(), error
    assert api.alice.get("/api/v1/cases", {"q": "secret"}).json()["items"] == []
    assert api.alice.get("/api/v1/cases", {"q": bobs.reference}).json()["items"] == []
    bobs.refresh_from_db()
    assert bobs.status == Status.NEW and bobs.message_count == 1


def test_customer_never_sees_internal_notes(desk, api, cases):
    mine, _ = cases
    body = api.alice.get(f"/api/v1/cases/{mine.pk}/messages").json()
    kinds = [m["kind"] for m in body["items"]]
    assert kinds == ["customer", "reply"]
    assert "Internal" not in str(body)
    assert api.alice.get("/api/v1/cases", {"q": "refund freely"}).json()["items"] == []
    # Staff see the note.
    staff = api.agent.get(f"/api/v1/cases/{mine.pk}/messages").json()
    assert "note" in [m["kind"] for m in staff["items"]]


def test_customer_cannot_use_staff_filters(desk, api, cases):
    error = assert_error(api.alice.get("/api/v1/cases", {"assignee": desk.agent.pk}), 403)
    assert error["code"] == "filter_not_allowed"
    assert_error(api.alice.get("/api/v1/cases", {"tag": "vip"}), 403, "filter_not_allowed")


def test_customer_opens_a_case_for_themselves_only(desk, api):
    response = api.alice.post("/api/v1/cases", {"subject": "Help", "body": "My order is late"})
    assert response.status_code == 201, response.content
    ticket = Ticket.objects.get(pk=response.json()["id"])
    assert ticket.customer == desk.alice
    assert ticket.events.get(verb="created").actor == desk.alice.user

    for field, value in (
        ("customer_id", desk.bob.pk),
        ("team_id", desk.billing.pk),
        ("priority", "urgent"),
    ):
        response = api.alice.post("/api/v1/cases", {"subject": "x", "body": "y", field: value})
        error = assert_error(response, 403, "field_not_allowed")
        assert field in error["message"]
    for field, value in (("assignee_id", desk.agent.pk), ("status", "closed")):
        response = api.alice.post("/api/v1/cases", {"subject": "x", "body": "y", field: value})
        assert_error(response, 422, "validation_error")
    assert Ticket.objects.count() == 1
    assert not Ticket.objects.filter(customer=desk.bob).exists()


def test_customer_patch_may_only_resolve_or_reopen(desk, api, cases):
    mine, _ = cases
    url = f"/api/v1/cases/{mine.pk}"
    for body in (
        {"assignee_id": desk.agent.pk},
        {"team_id": desk.billing.pk},
        {"priority": "urgent"},
        {"tags": ["vip"]},
        {"status": "resolved", "priority": "low"},
    ):
        error = assert_error(api.alice.patch(url, body), 403, "field_not_allowed")
        assert "status" in error["message"]
    # Not a transition a customer may make.
    error = assert_error(api.alice.patch(url, {"status": "closed"}), 403, "forbidden")
    assert "reopen" in error["message"]
    mine.refresh_from_db()
    assert mine.status == Status.WAITING_CUSTOMER and mine.assignee == desk.agent

    resolved = api.alice.patch(url, {"status": "resolved"})
    assert resolved.status_code == 200 and resolved.json()["status"] == "resolved"
    reopened = api.alice.patch(url, {"status": "waiting_us"})
    assert reopened.status_code == 200 and reopened.json()["reopen_count"] == 1


def test_customer_writes_a_message_and_cannot_write_notes(desk, api, cases):
    mine, _ = cases
    url = f"/api/v1/cases/{mine.pk}/messages"
    response = api.alice.post(url, {"body": "Thanks, when will it arrive?"})
    assert response.status_code == 201, response.content
    assert response.json()["kind"] == "customer"
    assert response.json()["author"] == {"kind": "customer", "name": "Alice Acme"}
    for extra in ({"kind": "note"}, {"kind": "reply"}, {"status_after": "closed"}):
        assert_error(api.alice.post(url, {"body": "x", **extra}), 403, "field_not_allowed")
    assert mine.messages.filter(kind=MessageKind.NOTE).count() == 1


def test_customer_on_a_closed_case_gets_a_clear_conflict(desk, api, cases):
    mine, _ = cases
    actions.do_change_status(mine, actor=desk.agent, status=Status.CLOSED, now=mine.created_at)
    error = assert_error(
        api.alice.post(f"/api/v1/cases/{mine.pk}/messages", {"body": "hello?"}), 409, "case_closed"
    )
    assert mine.reference in error["message"]


def test_customer_me_and_staff_only_endpoints(desk, api):
    me = api.alice.get("/api/v1/customers/me").json()
    assert me["id"] == desk.alice.pk and me["emails"] == ["alice@acme.test"]
    for path in (
        "/api/v1/customers",
        f"/api/v1/customers/{desk.alice.pk}",
        f"/api/v1/customers/{desk.bob.pk}",
        "/api/v1/organizations",
        "/api/v1/teams",
        f"/api/v1/teams/{desk.billing.pk}",
    ):
        assert_error(api.alice.get(path), 403, "staff_only")
    assert_error(api.alice.post("/api/v1/customers", {"name": "Eve"}), 403, "staff_only")


def test_staff_have_no_me(desk, api):
    assert_error(api.agent.get("/api/v1/customers/me"), 403, "customer_only")
