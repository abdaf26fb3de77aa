"""The case page panel (records, policies told, eligibility), the reply that carries a
policy, the record form and the link form — with hostile and malformed input."""

from __future__ import annotations

import json
import re
from html import unescape

import pytest

from caredesk.policies.actions import Told, do_record_acknowledgement
from caredesk.policies.models import Acknowledgement, How
from caredesk.records.models import CaseRecordLink, Record
from caredesk.tickets.models import Message, MessageKind
from tests.case_page import case_page_html

from .helpers import (
    DELIVERY_TEXT,
    HYGIENE_REASON,
    delivered,
    open_case,
    order,
    policy,
    returns_policy,
)


@pytest.fixture
def seat_case(desk, now):
    returns_policy(now)
    ticket = open_case(desk, now, subject="I want to return the shower seat")
    seat = order(
        desk.alice,
        "204117",
        [{"product": "Shower seat", "category": "hygiene", "delivered_at": delivered(now, 3)}],
        now,
    )
    CaseRecordLink.objects.create(ticket=ticket, record=seat, linked_at=now)
    return ticket


def test_the_case_page_shows_records_policies_and_eligibility(agent_client, seat_case, frozen):
    html = case_page_html(agent_client, seat_case.pk)
    assert 'id="records"' in html and "Order 204117" in html and "Linked to this case" in html
    assert "Shower seat" in html
    assert 'id="eligibility-return"' in html and "not eligible" in html
    assert HYGIENE_REASON in html
    assert 'id="policy-returns"' in html and "Not recorded as told." in html
    assert 'class="secondary insert-policy"' in html and "policies/policies.js" in html


def test_told_twice_is_shown_with_the_versions(agent_client, desk, now, frozen):
    window = policy("delivery-window", "Delivery window", DELIVERY_TEXT, now)
    version = window.versions.get()
    for how, kind, ref, day in (
        (How.AT_PURCHASE, "record", "204117", "2026-10-30T11:00:00+00:00"),
        (How.SCHEDULING_CALL, "call", "call-88", "2026-11-14T09:00:00+00:00"),
    ):
        from datetime import datetime

        do_record_acknowledgement(
            customer=desk.alice,
            version=version,
            how=how,
            by=Told(label="Shop"),
            now=now,
            told_at=datetime.fromisoformat(day),
            evidence_kind=kind,
            evidence_ref=ref,
        )
    ticket = open_case(desk, now, subject="I want an exact delivery time")
    html = unescape(case_page_html(agent_client, ticket.pk))
    assert "Told 2 times: at purchase (receipt, 30 Oct), at scheduling (call, 14 Nov)" in html
    assert html.count("version 1") == 2
    assert DELIVERY_TEXT in html


def test_a_reply_with_an_inserted_policy_records_an_acknowledgement(
    agent_client, desk, now, frozen
):
    window = policy("delivery-window", "Delivery window", DELIVERY_TEXT, now)
    version = window.versions.get()
    ticket = open_case(desk, now)
    response = agent_client.post(
        f"/cases/{ticket.pk}/reply",
        {
            "reply-body": f"Hello Alice,\n\nYes, you can send it back.\n\n{DELIVERY_TEXT}\n\nAda",
            "reply-status_after": "waiting_customer",
            "policy_version": [str(version.pk)],
        },
    )
    assert response.status_code == 302, re.findall(r'class="error"[^<]*', response.content.decode())
    reply = Message.objects.get(ticket=ticket, kind=MessageKind.REPLY)
    ack = Acknowledgement.objects.get()
    assert (ack.how, ack.message_id, ack.evidence_ref, ack.by_user_id) == (
        How.REPLY,
        reply.pk,
        str(reply.pk),
        desk.agent.pk,
    )


@pytest.mark.parametrize(
    "value", ["abc", "-1", "1" * 20, ["1"] * 0 + [str(i) for i in range(1, 13)]]
)
def test_hostile_policy_versions_send_nothing(agent_client, desk, now, frozen, value):
    ticket = open_case(desk, now)
    response = agent_client.post(
        f"/cases/{ticket.pk}/reply",
        {"body": "Hello", "reply-status_after": "waiting_customer", "policy_version": value},
    )
    assert response.status_code == 400
    assert "policy" in response.content.decode().lower()
    assert not Message.objects.filter(ticket=ticket, kind=MessageKind.REPLY).exists()
    assert not Acknowledgement.objects.exists()


def test_staff_add_and_edit_a_record_by_hand(agent_client, desk, now, frozen):
    url = f"/records/customers/{desk.alice.pk}/new?back=/cases/1/"
    assert agent_client.get(url).status_code == 200
    response = agent_client.post(
        url,
        {
            "kind": "order",
            "external_id": "A-1",
            "amount": "120.50",
            "currency": "EUR",
            "delivered_at": "2026-11-20",
            "attributes": '{"channel": "shop"}',
            "lines": "Shower seat; Hygiene; 1; 120.50; 2026-11-20\nTowel; textiles",
        },
    )
    assert response.status_code == 302 and response["Location"] == "/cases/1/"
    record = Record.objects.get()
    assert [(x.product, x.category) for x in record.lines.all()] == [
        ("Shower seat", "hygiene"),
        ("Towel", "textiles"),
    ]
    edit = agent_client.post(
        f"/records/{record.pk}/edit",
        {
            "kind": "booking",
            "external_id": "changed",
            "status": "returned",
            "lines": "Towel; textiles",
        },
    )
    assert edit.status_code == 302
    record.refresh_from_db()
    assert (record.kind, record.external_id, record.status) == ("order", "A-1", "returned")
    assert record.lines.count() == 1


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        ({"attributes": "{not json"}, "not valid JSON"),
        ({"attributes": json.dumps({"x": "y" * 17000})}, "too large"),
        ({"attributes": "[1]"}, "JSON object"),
        ({"kind": "spaceship"}, "Kind"),
        ({"lines": "a;b;c;d;e;f"}, "more than five parts"),
        ({"lines": "Seat; hygiene; many"}, "quantity"),
        ({"delivered_at": "31/12/2026"}, "ISO 8601"),
        ({"external_id": "<script>"}, "external id"),
    ],
)
def test_the_record_form_refuses_bad_input_and_writes_nothing(
    agent_client, desk, frozen, fields, words
):
    data = {"kind": "order", "external_id": "A-1", **fields}
    response = agent_client.post(f"/records/customers/{desk.alice.pk}/new", data)
    assert response.status_code == 400
    assert words in response.content.decode()
    assert "Nothing was saved." in response.content.decode()
    assert not Record.objects.exists()


def test_the_record_pages_are_for_staff(client, desk, frozen):
    client.force_login(desk.alice.user)
    response = client.post(
        f"/records/customers/{desk.alice.pk}/new", {"kind": "order", "external_id": "1"}
    )
    assert response.status_code in (302, 403)
    assert not Record.objects.exists()


def test_link_a_record_from_the_case_page(agent_client, desk, now, frozen):
    ticket = open_case(desk, now)
    sofa = order(desk.alice, "S-1", [{"product": "Sofa"}, {"product": "Cushion"}], now)
    line = sofa.lines.get(product="Cushion")
    response = agent_client.post(
        f"/records/cases/{ticket.pk}/link", {"record": sofa.pk, "line": line.pk}
    )
    assert response.status_code == 302
    assert CaseRecordLink.objects.get(ticket=ticket).line == line
    bobs = order(desk.bob, "B-1", [], now)
    agent_client.post(f"/records/cases/{ticket.pk}/link", {"record": bobs.pk})
    agent_client.post(f"/records/cases/{ticket.pk}/link", {"record": "x"})
    assert CaseRecordLink.objects.filter(ticket=ticket).count() == 1
    page = case_page_html(agent_client, ticket.pk)
    assert "(this line)" in page


def test_policy_pages(agent_client, desk, now, frozen):
    returns_policy(now)
    listed = agent_client.get("/policies/").content.decode()
    assert "/policies/returns/" in listed
    detail = agent_client.get("/policies/returns/").content.decode()
    assert "Version 1" in detail and "not eligible if" in detail and HYGIENE_REASON in detail
    assert agent_client.get("/policies/nope/").status_code == 404
