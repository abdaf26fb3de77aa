"""/api/v1/records: idempotent writes by external id, the all-or-nothing bulk endpoint,
listing, linking a case, and refusals of bad input with nothing half-written."""

from __future__ import annotations

import json

import pytest

from caredesk.core.models import Event
from caredesk.records.models import CaseRecordLink, Record, RecordLine

from .conftest import assert_error, open_case

SOFA = {
    "kind": "order",
    "external_id": "204117",
    "customer_email": "alice@acme.test",
    "title": "Sofa Oslo, 3 seats",
    "status": "delivered",
    "amount": "899.00",
    "currency": "eur",
    "delivered_at": "2026-11-14T10:00:00+01:00",
    "attributes": {"channel": "web"},
    "lines": [
        {
            "product": "Sofa Oslo",
            "category": "Furniture",
            "quantity": 1,
            "price": 899,
            "delivered_at": "2026-11-14",
        },
    ],
}


def test_create_then_the_same_again_is_unchanged_then_update(api, desk):
    first = api.agent.post("/api/v1/records", SOFA)
    assert first.status_code == 201, first.content
    body = first.json()
    assert body["outcome"] == "created" and body["customer_id"] == desk.alice.pk
    assert body["currency"] == "EUR" and body["lines"][0]["category"] == "furniture"
    events = Event.objects.filter(kind__startswith="record.").count()

    again = api.agent.post("/api/v1/records", SOFA)
    assert again.status_code == 200 and again.json()["outcome"] == "unchanged"
    assert again.json()["id"] == body["id"]
    assert Event.objects.filter(kind__startswith="record.").count() == events

    changed = api.agent.post("/api/v1/records", {**SOFA, "status": "returned"})
    assert changed.status_code == 200 and changed.json()["outcome"] == "updated"
    assert Record.objects.count() == 1 and RecordLine.objects.count() == 1
    event = Event.objects.filter(kind="record.updated").get()
    assert event.data["old"]["status"] == "delivered" and event.data["new"]["status"] == "returned"


def test_lines_are_replaced_only_when_sent(api, desk):
    api.agent.post("/api/v1/records", SOFA)
    without = {k: v for k, v in SOFA.items() if k != "lines"}
    assert api.agent.post("/api/v1/records", without).json()["outcome"] == "unchanged"
    two = {**SOFA, "lines": [*SOFA["lines"], {"product": "Cushion", "category": "textiles"}]}
    assert len(api.agent.post("/api/v1/records", two).json()["lines"]) == 2


def test_the_same_external_id_at_another_customer_is_another_record(api, desk):
    api.agent.post("/api/v1/records", SOFA)
    other = api.agent.post("/api/v1/records", {**SOFA, "customer_email": "bob@small.test"})
    assert other.status_code == 201
    assert Record.objects.count() == 2


@pytest.mark.parametrize(
    ("change", "code", "words"),
    [
        ({"kind": "spaceship"}, "unknown_kind", "Unknown record kind"),
        ({"external_id": ""}, "invalid_record", "external id"),
        ({"external_id": "a b<script>"}, "invalid_record", "external id"),
        ({"customer_email": "nobody@nowhere.test"}, "unknown_owner", "no customer"),
        ({"organization_id": 1}, "owner_required", "exactly one owner"),
        ({"delivered_at": "yesterday"}, "invalid_record", "not a valid ISO 8601"),
        ({"delivered_at": "2026-11-14T10:00:00"}, "invalid_record", "needs a time zone"),
        ({"amount": "12,5"}, "invalid_record", "must be a number"),
        ({"amount": -1}, "invalid_record", "between 0"),
        ({"amount": "1e400"}, "invalid_record", "between 0"),
        ({"amount": "NaN"}, "invalid_record", "between 0"),
        ({"currency": "EURO"}, "invalid_record", "three-letter"),
        ({"attributes": {"bad key": 1}}, "invalid_record", "attribute name"),
        ({"lines": [{"product": ""}]}, "invalid_record", "needs a product"),
        ({"lines": [{"product": "x", "quantity": 0}]}, "invalid_record", "quantity"),
        ({"lines": [{"product": "x"}] * 201}, "invalid_record", "at most 200 lines"),
    ],
)
def test_malformed_records_are_refused_and_nothing_is_written(api, desk, change, code, words):
    response = api.agent.post("/api/v1/records", {**SOFA, **change})
    error = assert_error(response, 422, code)
    assert words in error["message"]
    assert not Record.objects.exists() and not RecordLine.objects.exists()


def test_unknown_fields_and_wrong_types_are_refused(api, desk):
    assert_error(api.agent.post("/api/v1/records", {**SOFA, "colour": "red"}), 422)
    assert_error(api.agent.post("/api/v1/records", {**SOFA, "attributes": [1, 2]}), 422)
    assert_error(api.agent.post("/api/v1/records", raw="{not json"), 400, "malformed_json")
    assert not Record.objects.exists()


def test_ten_megabytes_of_attributes_are_refused_clearly(api, desk):
    huge = {**SOFA, "attributes": {"blob": "x" * (10 * 1024 * 1024)}}
    error = assert_error(api.agent.post("/api/v1/records", huge), 422, "attributes_too_large")
    assert "at most 16,384" in error["message"]
    assert not Record.objects.exists()


def test_a_body_above_the_api_limit_is_413(api, desk, settings):
    settings.CAREDESK_API_MAX_BODY_BYTES = 1024 * 1024
    huge = {**SOFA, "attributes": {"blob": "x" * (2 * 1024 * 1024)}}
    assert_error(api.agent.post("/api/v1/records", huge), 413, "request_too_large")
    assert not Record.objects.exists()


def test_customers_cannot_write_records(api, desk):
    assert_error(api.alice.post("/api/v1/records", SOFA), 403)
    assert_error(api.anonymous.post("/api/v1/records", SOFA), 401)
    assert not Record.objects.exists()


def _rows(n: int) -> list[dict]:
    return [{**SOFA, "external_id": f"B-{i}", "lines": []} for i in range(n)]


def test_bulk_creates_updates_and_reports(api, desk):
    response = api.agent.post("/api/v1/records/bulk", {"records": _rows(3)})
    assert response.status_code == 200, response.content
    assert response.json() | {"ids": []} == {"created": 3, "updated": 0, "unchanged": 0, "ids": []}
    rows = _rows(3)
    rows[0]["status"] = "returned"
    again = api.agent.post("/api/v1/records/bulk", {"records": rows}).json()
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 1, 2)


def test_bulk_is_all_or_nothing_with_every_bad_row_reported(api, desk):
    rows = _rows(5)
    rows[1]["kind"] = "spaceship"
    rows[3]["amount"] = "lots"
    error = assert_error(
        api.agent.post("/api/v1/records/bulk", {"records": rows}), 422, "invalid_rows"
    )
    assert error["message"].startswith("Row 2: Unknown record kind")
    assert "Nothing was saved" in error["message"]
    assert [r["row"] for r in error["details"]["rows"]] == [2, 4]
    assert not Record.objects.exists()


def test_bulk_refuses_an_unknown_owner_late_and_rolls_back(api, desk):
    rows = _rows(3)
    rows[2]["customer_email"] = "ghost@nowhere.test"
    error = assert_error(
        api.agent.post("/api/v1/records/bulk", {"records": rows}), 422, "invalid_rows"
    )
    assert error["details"]["rows"][0]["row"] == 3
    assert not Record.objects.exists() and not Event.objects.filter(kind="record.created").exists()


def test_bulk_duplicate_rows_in_one_request_are_refused(api, desk):
    rows = _rows(2)
    rows[1]["external_id"] = rows[0]["external_id"]
    error = assert_error(
        api.agent.post("/api/v1/records/bulk", {"records": rows}), 422, "invalid_rows"
    )
    assert "already in row 1" in error["message"]


def test_bulk_takes_at_most_1000(api, desk, settings):
    settings.CAREDESK_RECORD_BULK_MAX = 1000
    minimal = [
        {"kind": "order", "external_id": f"N{i}", "customer_id": desk.bob.pk} for i in range(1001)
    ]
    error = assert_error(
        api.agent.post("/api/v1/records/bulk", {"records": minimal}), 422, "too_many"
    )
    assert "At most 1,000" in error["message"]
    assert_error(api.agent.post("/api/v1/records/bulk", {"records": []}), 422, "empty")
    assert not Record.objects.exists()


def test_bulk_of_1000_works(api, desk):
    minimal = [
        {"kind": "order", "external_id": f"N{i}", "customer_id": desk.bob.pk} for i in range(1000)
    ]
    response = api.agent.post("/api/v1/records/bulk", {"records": minimal})
    assert response.status_code == 200 and response.json()["created"] == 1000


def test_listing_per_customer_and_a_customers_own(api, desk):
    api.agent.post("/api/v1/records", SOFA)
    api.agent.post(
        "/api/v1/records", {**SOFA, "external_id": "9", "customer_email": "bob@small.test"}
    )
    staff = api.agent.get("/api/v1/records", {"customer_id": desk.alice.pk}).json()
    assert [r["external_id"] for r in staff["items"]] == ["204117"]
    assert_error(api.agent.get("/api/v1/records"), 422, "owner_required")
    own = api.bob.get("/api/v1/records", {"customer_id": desk.alice.pk}).json()
    assert [r["external_id"] for r in own["items"]] == ["9"]  # never Alice's
    alice_id = staff["items"][0]["id"]
    assert_error(api.bob.get(f"/api/v1/records/{alice_id}"), 404)
    assert api.alice.get(f"/api/v1/records/{alice_id}").status_code == 200


def test_link_a_case_to_a_record(api, desk, now):
    record_id = api.agent.post("/api/v1/records", SOFA).json()["id"]
    ticket = open_case(desk, now)
    response = api.agent.post(f"/api/v1/cases/{ticket.pk}/records", {"record_id": record_id})
    assert response.status_code == 201, response.content
    assert CaseRecordLink.objects.filter(ticket=ticket, record_id=record_id).exists()
    assert ticket.events.filter(verb="record_linked").count() == 1
    again = api.agent.post(f"/api/v1/cases/{ticket.pk}/records", {"record_id": record_id})
    assert again.status_code == 201 and ticket.events.filter(verb="record_linked").count() == 1


def test_a_record_of_another_customer_cannot_be_linked(api, desk, now):
    bobs = api.agent.post("/api/v1/records", {**SOFA, "customer_email": "bob@small.test"}).json()[
        "id"
    ]
    ticket = open_case(desk, now)
    assert_error(api.agent.post(f"/api/v1/cases/{ticket.pk}/records", {"record_id": bobs}), 404)
    assert_error(api.agent.post(f"/api/v1/cases/{ticket.pk}/records", {"record_id": 0}), 422)
    assert_error(api.alice.post(f"/api/v1/cases/{ticket.pk}/records", {"record_id": bobs}), 403)
    assert not CaseRecordLink.objects.exists()


def test_record_output_is_json_safe(api, desk):
    body = api.agent.post("/api/v1/records", SOFA).json()
    assert json.loads(json.dumps(body))["attributes"] == {"channel": "web"}
