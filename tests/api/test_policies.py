"""/api/v1/policies: acknowledgements from the shop's systems, replies that carry a policy,
what the case shows, and the eligibility check."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from caredesk.core.models import Event
from caredesk.policies.models import Acknowledgement, How
from tests.policies.helpers import DELIVERY_TEXT, policy

from .conftest import assert_error, open_case


@pytest.fixture
def window(db, now):
    p = policy("delivery-window", "Delivery window", DELIVERY_TEXT, now, case_tags=["delivery"])
    from caredesk.policies.actions import do_publish_version

    do_publish_version(p, actor=None, customer_text=DELIVERY_TEXT + " Version two.", now=now)
    return p


def _ack(**fields):
    return {
        "version": 1,
        "customer_email": "alice@acme.test",
        "how": "receipt",
        "evidence_kind": "record",
        "evidence_ref": "204117",
        **fields,
    }


def test_the_shop_records_an_acknowledgement_once(api, desk, window):
    first = api.agent.post("/api/v1/policies/delivery-window/acknowledgements", _ack())
    assert first.status_code == 201, first.content
    body = first.json()
    assert (body["version"], body["how"], body["created"]) == (1, "receipt", True)
    assert body["by"] == "API (Ada Agent)"
    again = api.agent.post("/api/v1/policies/delivery-window/acknowledgements", _ack())
    assert again.status_code == 200 and again.json()["id"] == body["id"]
    assert Acknowledgement.objects.count() == 1
    assert Event.objects.filter(kind="policy.acknowledged").count() == 1


def test_the_latest_version_by_default_and_a_past_time(api, desk, window):
    body = {
        **_ack(how="scheduling_call", evidence_kind="call", evidence_ref="call-7"),
        "version": None,
    }
    body["told_at"] = "2026-11-14T10:00:00+01:00"
    response = api.agent.post("/api/v1/policies/delivery-window/acknowledgements", body)
    assert response.status_code == 201, response.content
    assert response.json()["version"] == 2
    told = datetime.fromisoformat(response.json()["told_at"])
    assert told == datetime(2026, 11, 14, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ({"how": "telepathy"}, 422, "validation_error"),
        ({"version": 9}, 404, "unknown_version"),
        ({"customer_email": "ghost@nowhere.test"}, 422, "unknown_customer"),
        ({"customer_email": None}, 422, "owner_required"),
        ({"customer_id": 1}, 422, "owner_required"),
        ({"told_at": "2999-01-01T00:00:00+00:00"}, 422, "invalid_time"),
        ({"told_at": "last week"}, 422, "invalid_record"),
        ({"evidence_kind": "message", "evidence_ref": "999999"}, 422, "unknown_evidence"),
        ({"evidence_text": "x" * 2001}, 422, "validation_error"),
        ({"evidence_ref": "x" * 101}, 422, "validation_error"),
        ({"extra": 1}, 422, "validation_error"),
    ],
)
def test_bad_acknowledgements_are_refused_and_nothing_is_written(
    api, desk, window, change, status, code
):
    response = api.agent.post("/api/v1/policies/delivery-window/acknowledgements", _ack(**change))
    assert_error(response, status, code)
    assert not Acknowledgement.objects.exists()


def test_unknown_policy_and_customer_tokens(api, desk, window):
    assert_error(api.agent.post("/api/v1/policies/nope/acknowledgements", _ack()), 404)
    assert_error(api.alice.post("/api/v1/policies/delivery-window/acknowledgements", _ack()), 403)
    assert not Acknowledgement.objects.exists()


def test_policies_are_listed_with_versions(api, desk, window):
    listed = api.agent.get("/api/v1/policies").json()
    assert [p["slug"] for p in listed] == ["delivery-window"]
    assert listed[0]["current_version"]["number"] == 2
    assert [v["number"] for v in listed[0]["versions"]] == [2, 1]


def test_a_reply_with_a_policy_records_it_and_the_case_shows_it(api, desk, now, window):
    ticket = open_case(desk, now)
    v2 = window.versions.get(number=2)
    api.agent.post(
        "/api/v1/policies/delivery-window/acknowledgements",
        _ack(told_at="2026-10-30T12:00:00+00:00"),
    )
    reply = api.agent.post(
        f"/api/v1/cases/{ticket.pk}/messages",
        {"body": f"Dear Alice,\n\n{v2.customer_text}\n\nBest, Ada", "policy_versions": [v2.pk]},
    )
    assert reply.status_code == 201, reply.content
    ack = Acknowledgement.objects.get(how=How.REPLY)
    assert (ack.version_id, ack.message_id, ack.by_user_id) == (
        v2.pk,
        reply.json()["id"],
        desk.agent.pk,
    )
    shown = api.agent.get(f"/api/v1/cases/{ticket.pk}/policies").json()
    summary = shown[0]["summary"]
    assert re.fullmatch(
        r"Told 2 times: on the receipt \(receipt, 30 Oct\), in a reply \(message, \d+ \w{3}\)",
        summary,
    ), summary
    assert [a["version"] for a in shown[0]["acknowledgements"]] == [1, 2]


def test_a_reply_without_the_text_records_nothing(api, desk, now, window):
    ticket = open_case(desk, now)
    v2 = window.versions.get(number=2)
    reply = api.agent.post(
        f"/api/v1/cases/{ticket.pk}/messages",
        {"body": "We will call you.", "policy_versions": [v2.pk], "send_anyway": True},
    )
    assert reply.status_code == 201
    assert not Acknowledgement.objects.exists()


def test_policy_versions_on_notes_customers_or_unknown_ids_are_refused(api, desk, now, window):
    ticket = open_case(desk, now)
    v1 = window.versions.get(number=1)
    note = {"body": v1.customer_text, "kind": "note", "policy_versions": [v1.pk]}
    assert_error(
        api.agent.post(f"/api/v1/cases/{ticket.pk}/messages", note), 422, "invalid_combination"
    )
    mine = {"body": v1.customer_text, "policy_versions": [v1.pk]}
    assert_error(
        api.alice.post(f"/api/v1/cases/{ticket.pk}/messages", mine), 403, "field_not_allowed"
    )
    ghost = {"body": "x", "policy_versions": [987654]}
    assert_error(
        api.agent.post(f"/api/v1/cases/{ticket.pk}/messages", ghost), 400, "invalid_policy_version"
    )
    assert ticket.messages.count() == 1  # only the original request
    assert not Acknowledgement.objects.exists()


def test_the_eligibility_endpoint(api, desk, now):
    from caredesk.records.actions import do_link_record
    from tests.policies.helpers import HYGIENE_REASON, order, returns_policy

    returns_policy(now)
    ticket = open_case(desk, now)
    seat = order(desk.alice, "204117", [{"product": "Shower seat", "category": "hygiene"}], now)
    do_link_record(ticket, actor=desk.agent, record_id=seat.pk, now=now)
    body = api.agent.get(f"/api/v1/cases/{ticket.pk}/eligibility", {"applies_to": "return"}).json()
    assert body["eligible"] is False and HYGIENE_REASON in body["reasons"]
    assert api.agent.get(f"/api/v1/cases/{ticket.pk}/eligibility", {"applies_to": "refund"}).json()[
        "eligible"
    ]
    assert_error(
        api.agent.get(f"/api/v1/cases/{ticket.pk}/eligibility", {"applies_to": "steal"}), 422
    )
    assert_error(api.alice.get(f"/api/v1/cases/{ticket.pk}/eligibility"), 403)
