"""Before a return, exchange, refund or exception is promised, the rules are checked; an
ineligible one is refused with the reason unless a policy exception was granted (the
existing approvals), and the override is audited with the promise."""

from __future__ import annotations

from datetime import timedelta

import pytest

from caredesk.core import clock
from caredesk.core.errors import DomainError
from caredesk.escalations.actions import do_decide_approval, do_request_goodwill
from caredesk.escalations.defaults import seed
from caredesk.escalations.models import ActionType, AuthorityLimit
from caredesk.promises.actions import PromiseDraft, do_make_promise, do_reply_with_promise
from caredesk.promises.models import Promise
from caredesk.records.actions import do_link_record

from .helpers import HYGIENE_REASON, delivered, open_case, order, returns_policy


@pytest.fixture
def exception_type(db):
    seed(ActionType, AuthorityLimit)
    return ActionType.objects.get(slug="policy-exception")


@pytest.fixture
def seat_case(desk, now):
    returns_policy(now)
    ticket = open_case(desk, now, subject="Take the shower seat back")
    ticket.team = desk.billing
    ticket.save(update_fields=["team"])
    seat = order(
        desk.alice,
        "204117",
        [{"product": "Shower seat", "category": "hygiene", "delivered_at": delivered(now, 3)}],
        now,
    )
    do_link_record(ticket, actor=desk.agent, record_id=seat.pk, now=now)
    return ticket


def _draft(now, kind="return"):
    return PromiseDraft(kind=kind, text="Collect the seat", due_at=now + timedelta(days=2))


def test_an_ineligible_return_is_refused_with_the_reason(desk, now, seat_case):
    with pytest.raises(DomainError) as caught:
        do_make_promise(seat_case, actor=desk.agent, draft=_draft(now), now=now)
    assert caught.value.code == "not_eligible"
    assert HYGIENE_REASON in caught.value.message
    assert "Policy exception" in caught.value.message
    assert not Promise.objects.exists()


def test_the_reply_with_the_promise_sends_nothing_either(desk, now, seat_case):
    with pytest.raises(DomainError):
        do_reply_with_promise(
            seat_case, agent=desk.agent, body="We will collect it.", draft=_draft(now), now=now
        )
    assert not Promise.objects.exists()
    assert seat_case.messages.count() == 1


def test_other_kinds_and_eligible_records_are_not_held_up(desk, now, seat_case):
    do_make_promise(seat_case, actor=desk.agent, draft=_draft(now, "callback"), now=now)
    do_make_promise(
        seat_case, actor=desk.agent, draft=_draft(now, "refund"), now=now
    )  # no refund rules
    sofa_case = open_case(desk, now, subject="Return the sofa")
    sofa = order(
        desk.alice,
        "S-9",
        [{"product": "Sofa", "category": "furniture", "delivered_at": delivered(now, 5)}],
        now,
    )
    do_link_record(sofa_case, actor=desk.agent, record_id=sofa.pk, now=now)
    do_make_promise(sofa_case, actor=desk.agent, draft=_draft(now), now=now)
    assert Promise.objects.count() == 3


def test_an_approved_policy_exception_allows_it_and_is_audited(
    desk, now, seat_case, exception_type
):
    outcome = do_request_goodwill(
        seat_case,
        agent=desk.agent,
        action_type=exception_type,
        amount=None,
        reason="Seat unopened, customer's mother died before using it.",
        now=now,
    )
    assert outcome.approval is not None  # agents may not grant policy exceptions
    with pytest.raises(DomainError):  # still pending
        do_make_promise(seat_case, actor=desk.agent, draft=_draft(now), now=now)
    do_decide_approval(
        outcome.approval, actor=desk.lead, decision="approve", reason="Unopened: fine.", now=now
    )
    promise = do_make_promise(seat_case, actor=desk.agent, draft=_draft(now), now=now)
    made = seat_case.events.get(verb="promise_made")
    assert made.new_value["eligibility_override"] == (
        f"Policy exception approved by Lena Lead (approval {outcome.approval.pk})"
    )
    assert promise.kind == "return"


def test_the_api_refuses_it_the_same_way(desk, now, seat_case):
    from tests.api.conftest import ApiClient, token_for

    client = ApiClient(token_for(desk.agent, now))
    response = client.post(
        f"/api/v1/cases/{seat_case.pk}/promises",
        {
            "kind": "return",
            "text": "Collect it",
            "due_at": (clock.now() + timedelta(days=2)).isoformat(),
        },
    )
    assert response.status_code in (400, 409, 422), response.content
    assert response.json()["error"]["code"] == "not_eligible"
    assert HYGIENE_REASON in response.json()["error"]["message"]
    assert not Promise.objects.exists()


def test_the_workspace_form_refuses_it_with_the_reason(client, desk, now, seat_case, frozen):
    client.force_login(desk.agent)
    response = client.post(
        f"/promises/cases/{seat_case.pk}/make",
        {
            "kind": "return",
            "text": "Collect it",
            "due": (now + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M"),
        },
    )
    assert response.status_code == 400
    assert HYGIENE_REASON in response.content.decode().replace("&#x27;", "'")
    assert not Promise.objects.exists()
