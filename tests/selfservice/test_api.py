"""The self-service API: customer tokens make requests for their own records only, the
business reports outcomes with a staff token, admins define the types."""

from __future__ import annotations

import pytest

from caredesk.core.models import Event, OutboundEmail
from caredesk.selfservice.models import RequestType, SelfServiceRequest
from caredesk.tickets.models import Ticket
from tests.api.conftest import ApiClient, assert_error, token_for

URL = "/api/v1/selfservice"


@pytest.fixture
def api(desk, now):
    class Api:
        agent = ApiClient(token_for(desk.agent, now))
        admin = ApiClient(token_for(desk.admin, now))
        manager = ApiClient(token_for(desk.manager, now))
        alice = ApiClient(token_for(desk.alice.user, now))
        bob = ApiClient(token_for(desk.bob.user, now))
        nobody = ApiClient(None)

    return Api


def _cancel(api, ss, client=None):
    return (client or api.alice).post(URL, {"type_id": ss.cancel.pk, "record_id": ss.gym.pk})


def test_a_customer_cancels_in_one_call_and_a_second_call_is_the_same_request(api, ss):
    first = _cancel(api, ss)
    assert first.status_code == 201, first.content
    body = first.json()
    assert body["status"] == "requested" and body["record"]["external_id"] == "GYM-1"
    again = _cancel(api, ss)
    assert again.status_code == 200 and again.json()["id"] == body["id"]
    assert SelfServiceRequest.objects.count() == 1 and OutboundEmail.objects.count() == 1
    assert api.alice.get(f"{URL}/{body['id']}").json()["id"] == body["id"]
    assert [r["id"] for r in api.alice.get(URL).json()] == [body["id"]]


def test_a_customer_never_sees_or_acts_on_another_customers_records(api, ss):
    assert_error(
        api.alice.post(URL, {"type_id": ss.cancel.pk, "record_id": ss.bobs_gym.pk}),
        404,
        "unknown_record",
    )
    mine = _cancel(api, ss).json()
    assert_error(api.bob.get(f"{URL}/{mine['id']}"), 404)
    assert api.bob.get(URL).json() == []
    assert_error(api.bob.post(f"{URL}/{mine['id']}/outcome", {"outcome": "done"}), 403)


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"type_id": 999999, "record_id": 1}, 404, "unknown_type"),
        ({"type_id": 2**63, "record_id": 1}, 422, "validation_error"),
        ({"type_id": "cancel", "record_id": 1}, 422, "validation_error"),
        ({"type_id": 1, "record_id": 1, "admin": True}, 422, "validation_error"),
        ({"type_id": 1, "details": {"note": "x" * 3000}}, 422, "validation_error"),
    ],
)
def test_hostile_bodies_are_refused_clearly(api, ss, body, status, code):
    if body.get("type_id") == 1:
        body["type_id"] = ss.cancel.pk
    assert_error(api.alice.post(URL, body), status, code)
    assert not SelfServiceRequest.objects.exists()


def test_malformed_json_and_a_staff_token_are_refused(api, ss):
    assert_error(api.alice.post(URL, raw=b'{"type_id": '), 400, "malformed_json")
    assert_error(api.agent.post(URL, {"type_id": ss.cancel.pk}), 403, "customer_only")
    assert_error(api.nobody.post(URL, {"type_id": ss.cancel.pk}), 401)


def test_wrong_kind_and_ineligible_return(api, ss):
    wrong = assert_error(
        api.alice.post(URL, {"type_id": ss.cancel.pk, "record_id": ss.order.pk}),
        422,
        "wrong_record_kind",
    )
    assert wrong["details"][0]["field"] == "record_id"
    refused = assert_error(
        api.alice.post(
            URL, {"type_id": ss.ret.pk, "record_id": ss.order.pk, "line_id": ss.seat.pk}
        ),
        409,
        "not_eligible",
    )
    assert "hygiene" in refused["details"]["reasons"][0]


def test_the_business_reports_done_then_again_idempotently(api, ss):
    rid = _cancel(api, ss).json()["id"]
    done = api.agent.post(f"{URL}/{rid}/outcome", {"outcome": "done"})
    assert done.status_code == 200 and done.json()["status"] == "done"
    again = api.agent.post(f"{URL}/{rid}/outcome", {"outcome": "done"})
    assert again.status_code == 200 and again.json() == done.json()
    assert_error(
        api.agent.post(f"{URL}/{rid}/outcome", {"outcome": "failed", "reason": "x"}),
        409,
        "already_settled",
    )
    assert Event.objects.filter(kind="selfservice.done").count() == 1


def test_a_failed_outcome_opens_a_case(api, ss):
    rid = _cancel(api, ss).json()["id"]
    assert_error(api.agent.post(f"{URL}/{rid}/outcome", {"outcome": "failed"}), 422)
    assert_error(
        api.agent.post(f"{URL}/{rid}/outcome", {"outcome": "failed", "reason": "r" * 501}),
        422,
        "too_long",
    )
    assert_error(api.agent.post(f"{URL}/{rid}/outcome", {"outcome": "later"}), 422)
    assert_error(api.agent.post(f"{URL}/999999/outcome", {"outcome": "done"}), 404)
    failed = api.agent.post(f"{URL}/{rid}/outcome", {"outcome": "failed", "reason": "Locked"})
    assert failed.json()["status"] == "failed"
    assert failed.json()["case_id"] == Ticket.objects.get().pk
    assert api.alice.get(f"{URL}/{rid}").json()["reason"] == "Locked"


def test_admins_define_types_and_others_cannot(api, ss):
    body = {
        "name": "Pause my membership",
        "kind": "cancel_subscription",
        "record_kinds": ["subscription"],
        "confirmation_text": "Paused from next month.",
    }
    assert_error(api.manager.post(f"{URL}/types", body), 403)
    made = api.admin.post(f"{URL}/types", body)
    assert made.status_code == 201, made.content
    assert_error(api.admin.post(f"{URL}/types", body), 409, "duplicate")
    bad = assert_error(
        api.admin.post(f"{URL}/types", {**body, "name": "B", "record_kinds": ["rocket"]}),
        422,
        "invalid_type",
    )
    assert "record_kinds" in bad["details"]
    assert_error(api.admin.post(f"{URL}/types", {**body, "name": "C", "policy_id": 999999}), 422)
    changed = api.admin.put(f"{URL}/types/{made.json()['id']}", {**body, "is_active": False})
    assert changed.json()["is_active"] is False
    names = [t["name"] for t in api.alice.get(f"{URL}/types").json()]
    assert "Pause my membership" not in names and "Cancel my membership" in names
    assert "Pause my membership" in [t["name"] for t in api.agent.get(f"{URL}/types").json()]
    assert RequestType.objects.count() == 5
