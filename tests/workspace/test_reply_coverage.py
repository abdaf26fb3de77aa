"""The reply box warns when a reply seems not to answer the customer (P3)."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
from django.utils import timezone

from caredesk.tickets import actions
from caredesk.tickets.models import AuditEvent, Channel, Message, MessageKind
from tests.workspace.conftest import later, open_case, signed_in

QUESTION = "Hi, when will my footstool arrive? I need an exact time please.\nAlice"


@pytest.fixture
def footstool(desk, now):
    return open_case(desk, now, subject="Footstool", body=QUESTION, team=desk.billing)


def post_reply(client, ticket, body, **extra):
    data = {"reply-body": body, "reply-status_after": "waiting_customer", **extra}
    return client.post(f"/cases/{ticket.pk}/reply", data)


def warning_panel(response):
    found = re.search(r'<div class="coverage-warning".*?</ul>', response.content.decode(), re.S)
    assert found, "no warning panel"
    return html.unescape(found.group(0))


def replies(ticket):
    return Message.objects.filter(ticket=ticket, kind=MessageKind.REPLY)


def coverage_events(ticket):
    return list(AuditEvent.objects.filter(ticket=ticket, verb="reply_coverage"))


def test_a_reply_that_misses_the_question_is_held_with_a_warning(desk, client, footstool):
    signed_in(client, desk.agent)
    typed = "Thanks for waiting, your sofa is on its way."
    response = post_reply(client, footstool, typed)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="reply-coverage"' in page and 'role="alert"' in page
    assert html.escape(
        "Alice asked about the footstool and an exact time; your reply mentions neither."
    ) in html.escape(html.unescape(page))
    assert "when will my footstool arrive?" in warning_panel(response)
    assert typed in html.unescape(page)  # the text is kept
    assert 'id="reply-send-anyway"' in page and 'name="reply-coverage_warned" value="1"' in page
    assert not replies(footstool).exists() and not coverage_events(footstool)


def test_send_anyway_sends_and_records_the_warning_and_the_decision(desk, client, footstool):
    signed_in(client, desk.agent)
    typed = "Thanks for waiting, your sofa is on its way."
    response = post_reply(
        client, footstool, typed, **{"reply-send_anyway": "1", "reply-coverage_warned": "1"}
    )
    assert response.status_code == 302
    assert replies(footstool).get().body == typed
    (event,) = coverage_events(footstool)
    assert event.actor == desk.agent
    assert event.new_value["decision"] == "sent_anyway"
    assert event.new_value["missing"] == ["the footstool", "an exact time"]
    assert event.new_value["message"] == replies(footstool).get().pk
    assert "mentions neither" in event.note
    page = client.get(f"/cases/{footstool.pk}/").content.decode()
    assert "sent the reply anyway after a warning that it may not answer" in page


def test_a_reply_revised_after_a_warning_is_recorded_as_revised(desk, client, footstool):
    signed_in(client, desk.agent)
    assert post_reply(client, footstool, "Your sofa is on its way.").status_code == 200
    fixed = "Your footstool arrives on Tuesday between 9am and 11am."
    response = post_reply(client, footstool, fixed, **{"reply-coverage_warned": "1"})
    assert response.status_code == 302
    (event,) = coverage_events(footstool)
    assert event.new_value["decision"] == "revised" and event.new_value["missing"] == []


def test_a_reply_that_answers_is_sent_without_a_record(desk, client, footstool):
    signed_in(client, desk.agent)
    response = post_reply(client, footstool, "The footstool is delivered tomorrow at 10:30.")
    assert response.status_code == 302 and replies(footstool).count() == 1
    assert not coverage_events(footstool)


def test_only_open_questions_count(desk, client, footstool, now):
    """The pinned request answered by an earlier reply is not asked again; the customer's
    new message is."""
    actions.do_reply(
        footstool, agent=desk.agent, body="Your footstool comes Tuesday at 10:30.", now=now
    )
    actions.do_add_customer_message(
        footstool,
        customer=desk.alice,
        body="Great. Can I pay the balance by bank transfer?",
        channel=Channel.PORTAL,
        now=later(now),
    )
    signed_in(client, desk.agent)
    held = post_reply(client, footstool, "See you on Tuesday!")
    assert held.status_code == 200
    panel = warning_panel(held)
    assert "bank transfer" in panel and "footstool" not in panel
    ok = post_reply(client, footstool, "Yes, a bank transfer is fine.")
    assert ok.status_code == 302


def test_internal_notes_are_never_checked(desk, client, footstool):
    signed_in(client, desk.agent)
    response = client.post(f"/cases/{footstool.pk}/note", {"note-body": "Sofa team asked."})
    assert response.status_code == 302
    assert Message.objects.filter(ticket=footstool, kind=MessageKind.NOTE).count() == 1
    assert not coverage_events(footstool)


@pytest.mark.parametrize(
    "body",
    [
        "<script>alert(1)</script> your sofa?",
        "sofa " * 5000,
        "\x00\x01 sofa",
        "😀" * 3000,
    ],
)
def test_hostile_and_oversized_replies_are_held_or_refused_cleanly(desk, client, footstool, body):
    signed_in(client, desk.agent)
    response = post_reply(client, footstool, body)
    assert response.status_code in (200, 400)
    assert "<script>alert(1)</script>" not in response.content.decode()
    assert not replies(footstool).exists() and not coverage_events(footstool)


def test_an_empty_reply_gets_the_usual_error_not_a_warning(desk, client, footstool):
    signed_in(client, desk.agent)
    response = post_reply(client, footstool, "   ")
    assert response.status_code == 400
    assert 'id="reply-coverage"' not in response.content.decode()
    assert not replies(footstool).exists()


def test_another_agents_case_is_not_found(desk, client, footstool):
    signed_in(client, desk.other_agent)
    response = post_reply(client, footstool, "Your sofa.", **{"reply-send_anyway": "1"})
    assert response.status_code == 404
    assert not replies(footstool).exists() and not coverage_events(footstool)


def test_the_open_questions_are_read_in_one_query(desk, footstool, now, django_assert_num_queries):
    from caredesk.enrichment.selectors import reply_context

    actions.do_reply(footstool, agent=desk.agent, body="Tuesday at 10:30.", now=now)
    actions.do_add_customer_message(
        footstool, customer=desk.alice, body="And the colour?", channel=Channel.PORTAL, now=now
    )
    with django_assert_num_queries(1):
        context = reply_context(footstool)
    assert context.pinned == QUESTION
    assert context.since_last_reply == ["And the colour?"]
    assert context.earlier_replies == ["Tuesday at 10:30."]


def test_send_anyway_with_a_promise_makes_both(desk, client, footstool):
    from caredesk.promises.models import Promise
    from caredesk.promises.wording import desk_zone

    due = timezone.now().astimezone(desk_zone(footstool.team)) + timedelta(days=2)
    signed_in(client, desk.agent)
    response = post_reply(
        client,
        footstool,
        "Your sofa is on its way; I will call you.",
        **{
            "reply-send_anyway": "1",
            "reply-promise_kind": "callback",
            "reply-promise_text": "Call about the footstool",
            "reply-promise_due": due.strftime("%Y-%m-%dT%H:%M"),
            "reply-promise_visible": "on",
        },
    )
    assert response.status_code == 302, response.content[:500]
    assert Promise.objects.filter(ticket=footstool).count() == 1
    (event,) = coverage_events(footstool)
    assert event.new_value["decision"] == "sent_anyway"
    assert event.new_value["message"] == replies(footstool).get().pk
