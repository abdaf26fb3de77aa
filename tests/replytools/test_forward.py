"""Forward a case by mail: the transcript's content (no internal notes unless ticked),
one mail per address through the outbox, the audit event and timeline entry, limits,
hostile input and who may forward."""

from __future__ import annotations

from email import message_from_bytes, policy

import pytest

from caredesk.core.errors import DomainError, InvalidInput, PermissionDenied
from caredesk.core.models import OutboundEmail
from caredesk.tickets.actions import do_add_note, do_reply
from caredesk.tickets.forward import do_forward_case
from caredesk.tickets.models import AuditEvent
from tests.api.conftest import ApiClient, open_case, token_for


@pytest.fixture
def conversation(desk, now):
    ticket = open_case(desk, now, team=desk.billing)
    do_add_note(ticket, agent=desk.agent, body="SECRET: the courier lost it twice.", now=now)
    do_reply(ticket, agent=desk.agent, body="We are sending a new parcel today.", now=now)
    return ticket


def _text(row: OutboundEmail) -> str:
    return row.text


def test_forward_mails_the_public_transcript_on_the_real_smtp_server(
    desk, now, conversation, mail_settings, smtp_server
):
    smtp_server.envelopes.clear()
    done = do_forward_case(
        conversation,
        actor=desk.agent,
        to="courier@partner.test, Claims <claims@partner.test>",
        note="Please check the two lost parcels.",
        now=now,
    )
    assert done.to == ["courier@partner.test", "claims@partner.test"]
    assert done.messages == 2 and not done.internal_notes
    # One mail per address: neither sees the other.
    assert sorted(r for _f, rcpts, _d in smtp_server.envelopes for r in rcpts) == [
        "claims@partner.test",
        "courier@partner.test",
    ]
    _mail_from, _rcpts, data = smtp_server.envelopes[0]
    msg = message_from_bytes(data, policy=policy.default)
    assert msg["Subject"].startswith("Fwd: [") and conversation.reference in msg["Subject"]
    assert msg["Cc"] is None
    text = msg.get_body(("plain",)).get_content()
    assert "Please check the two lost parcels." in text
    assert "The van came at 7pm although I booked 8-12." in text
    assert "We are sending a new parcel today." in text
    assert "SECRET" not in text and "internal note" not in text

    event = AuditEvent.objects.get(ticket=conversation, verb="forwarded")
    assert event.actor == desk.agent and not event.public
    assert event.new_value == {
        "to": ["courier@partner.test", "claims@partner.test"],
        "include": "all",
        "messages": 2,
        "internal_notes": False,
    }
    assert event.note == "Please check the two lost parcels."


def test_internal_notes_only_when_ticked_and_then_marked(desk, now, conversation):
    done = do_forward_case(
        conversation, actor=desk.agent, to="lead@partner.test", internal_notes=True, now=now
    )
    assert done.messages == 3
    text = _text(done.mails[0])
    assert "SECRET: the courier lost it twice." in text and "(internal note)" in text
    assert "includes internal notes" in text


def test_the_last_message_only(desk, now, conversation):
    done = do_forward_case(
        conversation, actor=desk.agent, to="x@partner.test", include="last", now=now
    )
    text = _text(done.mails[0])
    assert done.messages == 1 and "We are sending a new parcel today." in text
    assert "The van came" not in text


@pytest.mark.parametrize(
    ("to", "code"),
    [
        ("", "empty"),
        ("a@x.test\r\nBcc: evil@x.test", "header_injection"),
        (", ".join(f"p{i}@x.test" for i in range(21)), "too_many"),
        (", ".join(f"p{i}@x.test" for i in range(500)), "too_many"),
        ("<script>alert(1)</script>", "invalid_address"),
    ],
)
def test_bad_recipients_are_refused_and_nothing_is_sent(desk, now, conversation, to, code):
    with pytest.raises(DomainError) as caught:
        do_forward_case(conversation, actor=desk.agent, to=to, now=now)
    assert caught.value.code == code
    assert not OutboundEmail.objects.filter(kind="forward").exists()
    assert not AuditEvent.objects.filter(verb="forwarded").exists()


def test_twenty_addresses_is_the_most(desk, now, conversation):
    done = do_forward_case(
        conversation, actor=desk.agent, to=[f"p{i}@x.test" for i in range(20)], now=now
    )
    assert len(done.mails) == 20


def test_a_huge_note_is_refused(desk, now, conversation):
    with pytest.raises(DomainError) as caught:
        do_forward_case(conversation, actor=desk.agent, to="a@x.test", note="x" * 6000, now=now)
    assert caught.value.code == "too_long"


def test_customers_cannot_forward(desk, now, conversation):
    with pytest.raises(PermissionDenied):
        do_forward_case(conversation, actor=desk.alice.user, to="a@x.test", now=now)
    alice = ApiClient(token_for(desk.alice.user, now))
    refused = alice.post(f"/api/v1/cases/{conversation.pk}/forward", {"to": ["a@x.test"]})
    assert refused.status_code == 403


def test_forward_through_the_api(desk, now, conversation):
    agent = ApiClient(token_for(desk.agent, now))
    url = f"/api/v1/cases/{conversation.pk}/forward"
    ok = agent.post(url, {"to": ["claims@partner.test"], "note": "FYI", "include": "last"})
    assert ok.status_code == 200, ok.content
    assert ok.json()["forwarded_to"] == ["claims@partner.test"] and ok.json()["messages"] == 1
    assert agent.post(url, {"to": [f"p{i}@x.test" for i in range(21)]}).status_code == 422
    assert agent.post(url, {"to": []}).status_code == 422
    injected = agent.post(url, {"to": ["a@x.test\nBcc: b@x.test"]})
    assert injected.status_code == 422 and injected.json()["error"]["code"] == "header_injection"
    assert agent.post(url, {"to": ["a@x.test"], "include": "some"}).status_code == 422
    other = ApiClient(token_for(desk.alice.user, now))
    assert other.post("/api/v1/cases/999999/forward", {"to": ["a@x.test"]}).status_code in (
        403,
        404,
    )


def test_forward_from_the_case_page_keeps_typed_text_and_shows_on_the_timeline(
    desk, now, conversation, client
):
    client.force_login(desk.agent)
    url = f"/cases/{conversation.pk}/forward"
    refused = client.post(
        url,
        {
            "forward-to": "claims@partner.test, nope",
            "forward-note": "Keep <b>this</b>",
            "forward-include": "all",
        },
    )
    assert refused.status_code in (400, 422)
    page = refused.content.decode()
    assert 'value="claims@partner.test, nope"' in page and "Keep &lt;b&gt;this&lt;/b&gt;" in page
    assert "Internal notes were written for staff only" in page
    ok = client.post(
        url,
        {"forward-to": "claims@partner.test", "forward-note": "FYI", "forward-include": "all"},
    )
    assert ok.status_code == 302
    page = client.get(f"/cases/{conversation.pk}/").content.decode()
    assert "Forwarded the conversation to claims@partner.test." in page
    assert "forwarded the case by mail" in page and "to claims@partner.test" in page


def test_invalid_input_names_the_field(desk, now, conversation):
    with pytest.raises(InvalidInput) as caught:
        do_forward_case(conversation, actor=desk.agent, to="bad", now=now)
    assert caught.value.field == "to"
