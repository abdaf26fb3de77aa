"""The API reply runs the same coverage check as the reply box (P3)."""

from __future__ import annotations

import pytest

from caredesk.tickets.models import AuditEvent, Message, MessageKind
from tests.api.conftest import assert_error, open_case

QUESTION = "Hi, when will my footstool arrive? I need an exact time please.\nAlice"
MISSES = "Thanks for waiting, your sofa is on its way."
ANSWERS = "Your footstool arrives on Tuesday between 9am and 11am."


@pytest.fixture
def footstool(desk, now):
    return open_case(desk, now, subject="Footstool", body=QUESTION, team=desk.billing)


def url(ticket, tail=""):
    return f"/api/v1/cases/{ticket.pk}/messages{tail}"


def replies(ticket):
    return Message.objects.filter(ticket=ticket, kind=MessageKind.REPLY)


def test_a_reply_that_misses_is_refused_with_the_check(api, footstool):
    error = assert_error(api.agent.post(url(footstool), {"body": MISSES}), 409)
    assert error["code"] == "reply_may_not_answer"
    assert error["message"] == (
        "Alice asked about the footstool and an exact time; your reply mentions neither."
    )
    assert error["details"]["answers"] is False
    assert error["details"]["missing"] == ["the footstool", "an exact time"]
    assert error["details"]["questions"][0]["text"] == "Hi, when will my footstool arrive?"
    assert not replies(footstool).exists()


def test_send_anyway_sends_and_is_recorded(api, desk, footstool):
    response = api.agent.post(url(footstool), {"body": MISSES, "send_anyway": True})
    assert response.status_code == 201, response.content
    event = AuditEvent.objects.get(ticket=footstool, verb="reply_coverage")
    assert event.new_value["decision"] == "sent_anyway"
    assert event.new_value["message"] == response.json()["id"]
    assert event.actor == desk.agent


def test_a_reply_that_answers_is_sent(api, footstool):
    assert api.agent.post(url(footstool), {"body": ANSWERS}).status_code == 201
    assert not AuditEvent.objects.filter(verb="reply_coverage").exists()


def test_the_dry_run_check_sends_and_records_nothing(api, footstool):
    response = api.agent.post(url(footstool, "/check"), {"body": MISSES})
    assert response.status_code == 200
    body = response.json()
    assert body["answers"] is False and "mentions neither" in body["warning"]
    ok = api.agent.post(url(footstool, "/check"), {"body": ANSWERS}).json()
    assert ok["answers"] is True and ok["warning"] == "" and ok["missing"] == []
    assert not replies(footstool).exists()
    assert not AuditEvent.objects.filter(verb="reply_coverage").exists()


def test_notes_are_never_checked_and_refuse_send_anyway(api, footstool):
    note = api.agent.post(url(footstool), {"body": MISSES, "kind": "note"})
    assert note.status_code == 201
    assert_error(
        api.agent.post(url(footstool), {"body": "x", "kind": "note", "send_anyway": True}),
        422,
        "invalid_combination",
    )


def test_customers_cannot_send_anyway_or_check(api, footstool):
    assert_error(
        api.alice.post(url(footstool), {"body": "Any news?", "send_anyway": True}),
        403,
        "field_not_allowed",
    )
    assert_error(api.alice.post(url(footstool, "/check"), {"body": "x"}), 403)
    # A customer's own message is never checked.
    assert api.alice.post(url(footstool), {"body": "Any news?"}).status_code == 201


@pytest.mark.parametrize(
    "payload",
    [
        {"body": MISSES, "send_anyway": "maybe"},
        {"body": MISSES, "send_anyway": [True]},
        {"body": 5},
        {"body": "x", "extra": 1},
        {"body": "x" * 1_000_001},
    ],
)
def test_malformed_input_is_refused_and_sends_nothing(api, footstool, payload):
    response = api.agent.post(url(footstool), payload)
    assert response.status_code in (400, 413, 422), response.content
    check = api.agent.post(url(footstool, "/check"), payload)
    assert check.status_code in (400, 413, 422), check.content
    assert not replies(footstool).exists()


def test_other_peoples_cases_are_not_found(api, footstool):
    assert_error(api.other_agent.post(url(footstool, "/check"), {"body": MISSES}), 404)
    sent = api.other_agent.post(url(footstool), {"body": MISSES, "send_anyway": True})
    assert_error(sent, 404)
