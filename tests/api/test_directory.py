"""Customers, organizations and teams through the API."""

from __future__ import annotations

from caredesk.core.models import Event
from caredesk.customers.models import ContactIdentity, Customer, Organization
from caredesk.tickets.models import AuditEvent
from tests.api.conftest import assert_error


def test_staff_create_a_customer_with_emails_audited(desk, api):
    response = api.agent.post(
        "/api/v1/customers",
        {
            "name": "  Carol   Client ",
            "organization_id": desk.small.pk,
            "emails": ["Carol@Example.test", "carol@example.test", "c2@example.test"],
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["name"] == "Carol Client"
    assert body["organization"] == {"id": desk.small.pk, "name": "Small Shop", "tier": "standard"}
    assert sorted(body["emails"]) == ["c2@example.test", "carol@example.test"]
    # Customers sit below cases: the change is in the event log, not a case's history.
    event = Event.objects.get(kind="customer.created")
    assert event.actor_id == desk.agent.pk and event.data["new"]["name"] == "Carol Client"
    assert event.data["actor_kind"] == "staff" and event.ticket_id is None
    assert not AuditEvent.objects.filter(verb="customer_created").exists()


def test_customer_create_refusals(desk, api):
    assert_error(
        api.agent.post("/api/v1/customers", {"name": "Eve", "emails": ["alice@acme.test"]}),
        409,
        "email_taken",
    )
    error = assert_error(
        api.agent.post("/api/v1/customers", {"name": "Eve", "emails": ["not-an-email"]}),
        400,
        "invalid_email",
    )
    assert "not-an-email" in error["message"]
    assert_error(
        api.agent.post("/api/v1/customers", {"name": "Eve", "organization_id": 999}),
        422,
        "unknown_organization",
    )
    assert_error(api.agent.post("/api/v1/customers", {"name": ""}), 422, "validation_error")
    assert_error(
        api.agent.post("/api/v1/customers", {"name": "Eve", "notes": "x"}), 422, "validation_error"
    )
    assert_error(
        api.agent.post("/api/v1/customers", {"name": "Eve", "emails": ["a@b.test"] * 21}), 422
    )
    assert not Customer.objects.filter(name="Eve").exists()
    assert not ContactIdentity.objects.filter(value="a@b.test").exists()


def test_list_and_filter_customers(desk, api):
    for i in range(5):
        api.agent.post("/api/v1/customers", {"name": f"Cust {i}", "emails": [f"c{i}@x.test"]})
    seen, cursor = [], None
    while True:
        params = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        body = api.agent.get("/api/v1/customers", params).json()
        seen += [c["id"] for c in body["items"]]
        cursor = body["next_cursor"]
        if not cursor:
            break
    assert len(seen) == len(set(seen)) == 7
    found = api.agent.get("/api/v1/customers", {"email": "ALICE@acme.test"}).json()["items"]
    assert [c["id"] for c in found] == [desk.alice.pk]
    by_org = api.agent.get("/api/v1/customers", {"organization": desk.small.pk}).json()["items"]
    assert [c["id"] for c in by_org] == [desk.bob.pk]
    assert api.agent.get(f"/api/v1/customers/{desk.bob.pk}").json()["name"] == "Bob Small"
    assert_error(api.agent.get("/api/v1/customers/99999"), 404, "not_found")


def test_patch_customer(desk, api):
    url = f"/api/v1/customers/{desk.bob.pk}"
    body = api.agent.patch(url, {"name": "Robert Small", "organization_id": desk.acme.pk}).json()
    assert body["name"] == "Robert Small" and body["organization"]["id"] == desk.acme.pk
    assert api.agent.patch(url, {"organization_id": None}).json()["organization"] is None
    assert Event.objects.filter(kind="customer.changed").count() == 3
    assert_error(api.agent.patch(url, {"name": None}), 422, "null_not_allowed")
    assert_error(api.agent.patch(url, {"emails": []}), 422, "validation_error")
    assert_error(api.alice.patch(url, {"name": "hacked"}), 403, "staff_only")


def test_organizations_read_by_staff_written_by_managers(desk, api):
    listed = api.agent.get("/api/v1/organizations").json()["items"]
    assert {o["name"] for o in listed} == {"Acme", "Small Shop"}
    assert api.agent.get(f"/api/v1/organizations/{desk.acme.pk}").json()["tier"] == "vip"
    new = {"name": "Globex", "tier": "priority", "vip_note": "Call back within the hour"}
    for client in (api.agent, api.lead):
        assert_error(client.post("/api/v1/organizations", new), 403, "managers_only")
    response = api.manager.post("/api/v1/organizations", new)
    assert response.status_code == 201, response.content
    org = Organization.objects.get(name="Globex")
    assert org.tier == "priority" and org.vip_note == "Call back within the hour"
    assert Event.objects.get(kind="organization.created").actor_id == desk.manager.pk
    assert_error(api.admin.post("/api/v1/organizations", {"name": "globex"}), 409, "name_taken")
    assert_error(api.manager.post("/api/v1/organizations", {"name": "X", "tier": "platinum"}), 422)

    url = f"/api/v1/organizations/{org.pk}"
    assert_error(api.agent.patch(url, {"tier": "vip"}), 403, "managers_only")
    body = api.admin.patch(url, {"tier": "vip", "shared_cases": True}).json()
    assert body["tier"] == "vip" and body["shared_cases"] is True
    event = Event.objects.get(kind="organization.changed")
    assert event.data["old"]["tier"] == "priority" and event.data["new"]["tier"] == "vip"
    assert_error(api.admin.patch(url, {"name": "Acme"}), 409, "name_taken")
    assert_error(api.admin.patch(url, {"tier": None}), 422, "null_not_allowed")
    assert_error(api.admin.patch("/api/v1/organizations/9999", {"tier": "vip"}), 404)


def test_teams_with_members(desk, api):
    body = api.agent.get("/api/v1/teams").json()
    assert [t["name"] for t in body["items"]] == ["Billing", "Delivery"]
    billing = api.agent.get(f"/api/v1/teams/{desk.billing.pk}").json()
    assert billing["lead"] == {"id": desk.lead.pk, "name": "Lena Lead"}
    assert {m["email"] for m in billing["members"]} == {"lena@desk.test", "ada@desk.test"}
    assert_error(api.agent.get("/api/v1/teams/999"), 404, "not_found")
    assert_error(api.agent.post("/api/v1/teams", {"name": "x"}), 403, "admins_only")
