"""Privacy requests through /api/v1: the same actions and refusals as the admin pages."""

from __future__ import annotations

import io
import json
import zipfile

from caredesk.tickets.models import Ticket
from tests.api.conftest import assert_error, open_case


def test_an_admin_exports_a_customer_as_a_zip(api, desk, now):
    case = open_case(desk, now)
    response = api.admin.get(f"/api/v1/customers/{desk.alice.pk}/export")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert f"customer-{desk.alice.pk}-export.zip" in response["Content-Disposition"]
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    data = json.loads(archive.read(f"cases/{case.reference}.json"))
    assert data["original_request"] == "The van came at 7pm although I booked 8-12."


def test_only_admins_export_and_erase(api, desk, now):
    open_case(desk, now)
    for client in (api.agent, api.lead, api.manager):
        assert_error(client.get(f"/api/v1/customers/{desk.alice.pk}/export"), 403)
        assert_error(
            client.post(
                f"/api/v1/customers/{desk.alice.pk}/erase", {"confirm": str(desk.alice.pk)}
            ),
            403,
        )
    for client in (api.alice, api.anonymous):
        assert client.get(f"/api/v1/customers/{desk.alice.pk}/export").status_code in (401, 403)


def test_erase_needs_the_id_typed_and_respects_a_legal_hold(api, desk, now):
    case = open_case(desk, now)
    url = f"/api/v1/customers/{desk.alice.pk}/erase"
    assert_error(api.admin.post(url, {"confirm": "yes"}), 422, "confirmation_required")
    hold = api.manager.post(
        f"/api/v1/customers/{desk.alice.pk}/legal-hold", {"reason": "Court case 4 O 12/26"}
    )
    assert hold.status_code == 201 and hold.json()["legal_hold"] == "Court case 4 O 12/26"
    assert_error(api.admin.post(url, {"confirm": str(desk.alice.pk)}), 409, "legal_hold")
    assert Ticket.objects.get(pk=case.pk).subject == "Delivery came outside the window"
    lifted = api.manager.delete(f"/api/v1/customers/{desk.alice.pk}/legal-hold")
    assert lifted.status_code == 200 and lifted.json()["legal_hold"] is None
    done = api.admin.post(url, {"confirm": str(desk.alice.pk)})
    assert done.status_code == 200, done.content
    assert done.json()["changed"]["messages"] == 1
    assert Ticket.objects.get(pk=case.pk).subject == "[erased]"
    state = api.agent.get(f"/api/v1/customers/{desk.alice.pk}/privacy").json()
    assert state == {"customer_id": desk.alice.pk, "erased": True, "legal_hold": None}
    assert_error(api.admin.post(url, {"confirm": str(desk.alice.pk)}), 409, "already_erased")


def test_hostile_and_malformed_privacy_requests_change_nothing(api, desk, now):
    case = open_case(desk, now)
    base = f"/api/v1/customers/{desk.alice.pk}"
    assert api.admin.post(f"{base}/erase", {}).status_code == 422
    assert api.admin.post(f"{base}/erase", {"confirm": "x" * 10_000}).status_code == 422
    assert api.admin.post(f"{base}/erase", {"confirm": 1, "also": "x"}).status_code == 422
    assert api.admin.post(f"{base}/erase", raw=b"{not json").status_code in (400, 422)
    assert_error(api.admin.post("/api/v1/customers/999999/erase", {"confirm": "999999"}), 404)
    assert api.manager.post(f"{base}/legal-hold", {"reason": ""}).status_code == 422
    assert api.manager.post(f"{base}/legal-hold", {"reason": "x" * 3_000}).status_code == 422
    assert_error(api.manager.delete(f"{base}/legal-hold"), 409, "no_legal_hold")
    assert Ticket.objects.get(pk=case.pk).subject == "Delivery came outside the window"


def test_retention_rules_through_the_api(api, desk, now):
    url = f"/api/v1/organizations/{desk.acme.pk}/retention"
    done = api.admin.put(url, {"closed_case_months": 24})
    assert done.status_code == 200 and done.json()["closed_case_months"] == 24
    for months in (0, 241, "soon"):
        assert api.admin.put(url, {"closed_case_months": months}).status_code == 422
    assert_error(api.manager.put(url, {"closed_case_months": 12}), 403)
    assert api.admin.put(url, {"closed_case_months": None}).json()["closed_case_months"] is None
    assert_error(api.admin.put("/api/v1/organizations/999999/retention", {}), 404)
