"""Cc and Bcc on an agent's reply: validation, the real SMTP server's headers and
envelope, Bcc never visible to the customer, Cc'd people become participants."""

from __future__ import annotations

from email import message_from_bytes, policy

import pytest

from caredesk.channels.email.models import CaseParticipant
from caredesk.core.errors import InvalidInput
from caredesk.core.models import OutboundEmail
from caredesk.tickets.actions import do_reply
from caredesk.tickets.models import AuditEvent, Message, MessageKind, Ticket
from caredesk.tickets.recipients import parse_recipients
from tests.api.conftest import ApiClient, open_case, token_for
from tests.conftest import NOW
from tests.email.conftest import ingest, make_mail

pytestmark = pytest.mark.django_db  # the desk's own addresses are read from the database


def _refused(value: object, field: str = "cc") -> InvalidInput:
    with pytest.raises(InvalidInput) as caught:
        parse_recipients(value, field=field)  # type: ignore[arg-type]
    return caught.value


def test_addresses_are_parsed_lowercased_and_deduplicated(settings):
    got = parse_recipients(
        " Bea@Partner.test, bea@partner.test; Carl Co <carl@co.test>,, ", field="cc"
    )
    assert got == ["bea@partner.test", "carl@co.test"]
    assert parse_recipients("", field="cc") == [] and parse_recipients(None, field="cc") == []
    assert parse_recipients(["x@y.test"], field="bcc") == ["x@y.test"]


@pytest.mark.parametrize(
    "hostile",
    [
        "bea@partner.test\r\nBcc: victim@evil.test",
        "bea@partner.test\nSubject: hi",
        "bea@partner.test\rX: y",
        "bea@partner.test\x00",
    ],
)
def test_line_breaks_are_header_injection_and_refused(hostile):
    error = _refused(hostile)
    assert error.code == "header_injection" and "line breaks" in error.message


def test_more_than_twenty_addresses_are_refused():
    many = ", ".join(f"p{i}@partner.test" for i in range(500))
    assert _refused(many).code == "too_many"
    assert "at most 20" in _refused([f"p{i}@x.test" for i in range(21)]).message
    assert len(parse_recipients([f"p{i}@x.test" for i in range(20)], field="cc")) == 20
    assert _refused("a" * 100_000).code == "too_many"  # huge text, no parse


@pytest.mark.parametrize(
    "bad", ["not an address", "@partner.test", "bea@", "<script>alert(1)</script>", "a@b@c.test"]
)
def test_invalid_addresses_are_named_in_the_error(bad):
    error = _refused(bad)
    assert error.code == "invalid_address"


def test_unicode_domains_pass_and_unicode_local_parts_are_refused():
    assert parse_recipients("jo@bücher.test", field="cc") == ["jo@bücher.test"]
    assert _refused("jürgen@example.test").code == "invalid_address"


def test_our_own_address_is_refused(settings):
    settings.DEFAULT_FROM_EMAIL = "caredesk <support@caredesk.localhost>"
    assert _refused("support@caredesk.localhost").code == "own_address"


def test_refused_cc_writes_nothing(desk, now):
    ticket = open_case(desk, now)
    with pytest.raises(InvalidInput):
        do_reply(ticket, agent=desk.agent, body="Hello", now=now, cc="x@y.test\r\nBcc: z@z.test")
    assert not Message.objects.filter(ticket=ticket, kind=MessageKind.REPLY).exists()


def test_reply_with_cc_and_bcc_on_the_real_smtp_server(desk, mail_settings, smtp_server):
    first = ingest(make_mail(message_id="<cust-cc@mail.test>"))
    ticket = Ticket.objects.get(pk=first.ticket_id)
    smtp_server.envelopes.clear()  # the acknowledgement
    reply = do_reply(
        ticket,
        agent=desk.agent,
        body="Copying our courier partner.",
        now=NOW,
        cc="Bea Partner <Bea@Partner.test>, carl@co.test",
        bcc="boss@acme.test, alice@acme.test",  # the customer herself is left out
    )
    assert reply.cc == ["bea@partner.test", "carl@co.test"]
    assert reply.bcc == ["boss@acme.test"]
    assert len(smtp_server.envelopes) == 1  # one mail, every recipient on its envelope
    _mail_from, rcpts, data = smtp_server.envelopes[0]
    assert sorted(rcpts) == sorted(
        ["alice@acme.test", "bea@partner.test", "carl@co.test", "boss@acme.test"]
    )
    msg = message_from_bytes(data, policy=policy.default)
    assert msg["To"] == "alice@acme.test"
    assert msg["Cc"] == "bea@partner.test, carl@co.test"
    assert msg["Bcc"] is None
    # What the Cc recipient and the customer receive names no blind copy anywhere.
    assert b"boss@acme.test" not in data
    row = OutboundEmail.objects.get(message_id=reply.pk)
    assert row.cc == ["bea@partner.test", "carl@co.test"] and row.bcc == ["boss@acme.test"]

    # The Cc'd partner is now a participant: their answer lands on the case.
    assert set(
        CaseParticipant.objects.filter(ticket=ticket, role="cc").values_list("address", flat=True)
    ) >= {"bea@partner.test", "carl@co.test"}
    assert not CaseParticipant.objects.filter(ticket=ticket, address="boss@acme.test").exists()
    back = ingest(
        make_mail(
            sender="Bea Partner <bea@partner.test>",
            subject="Re: courier",
            body="The courier picks it up tomorrow.",
            in_reply_to=msg["Message-ID"],
        )
    )
    assert back.ticket_id == ticket.pk
    # The audit trail records the Cc and how many blind copies, not their addresses.
    replied = AuditEvent.objects.get(ticket=ticket, verb="replied")
    assert replied.new_value["cc"] == ["bea@partner.test", "carl@co.test"]
    assert replied.new_value["bcc_count"] == 1 and "boss@acme.test" not in str(replied.new_value)


def test_bcc_never_reaches_the_customer_portal_or_api(desk, now, client):
    ticket = open_case(desk, now)
    do_reply(
        ticket,
        agent=desk.agent,
        body="Answer with copies.",
        now=now,
        cc="bea@partner.test",
        bcc="secret-boss@acme.test",
    )
    client.force_login(desk.alice.user)
    page = client.get(f"/portal/cases/{ticket.pk}/").content.decode()
    assert "bea@partner.test" in page and "Copied to" in page
    assert "secret-boss" not in page

    alice = ApiClient(token_for(desk.alice.user, now))
    items = alice.get(f"/api/v1/cases/{ticket.pk}/messages").json()["items"]
    reply = next(m for m in items if m["kind"] == "reply")
    assert reply["cc"] == ["bea@partner.test"] and reply["bcc"] is None
    assert "secret-boss" not in alice.get(f"/api/v1/cases/{ticket.pk}/messages").text

    agent = ApiClient(token_for(desk.agent, now))
    items = agent.get(f"/api/v1/cases/{ticket.pk}/messages").json()["items"]
    assert next(m for m in items if m["kind"] == "reply")["bcc"] == ["secret-boss@acme.test"]


def test_workspace_reply_with_cc_shows_it_and_a_refusal_keeps_what_was_typed(desk, now, client):
    ticket = open_case(desk, now)
    client.force_login(desk.agent)
    typed = "bea@partner.test, not-an-address"
    response = client.post(
        f"/cases/{ticket.pk}/reply",
        {
            "reply-body": "Here is the answer.",
            "reply-status_after": "waiting_customer",
            "reply-send_anyway": "1",
            "reply-cc": typed,
            "reply-bcc": "boss@acme.test",
        },
    )
    assert response.status_code in (400, 422)
    page = response.content.decode()
    assert "is not a valid email address" in page or "is not an email address" in page
    assert 'value="bea@partner.test, not-an-address"' in page
    assert "Here is the answer." in page and 'value="boss@acme.test"' in page
    assert not Message.objects.filter(ticket=ticket, kind=MessageKind.REPLY).exists()

    response = client.post(
        f"/cases/{ticket.pk}/reply",
        {
            "reply-body": "Here is the answer.",
            "reply-status_after": "waiting_customer",
            "reply-send_anyway": "1",
            "reply-cc": "bea@partner.test",
            "reply-bcc": "boss@acme.test",
        },
    )
    assert response.status_code == 302
    page = client.get(f"/cases/{ticket.pk}/").content.decode()
    assert "Cc: bea@partner.test" in page and "Bcc (staff only): boss@acme.test" in page


def test_workspace_cc_escapes_hostile_text(desk, now, client):
    ticket = open_case(desk, now)
    client.force_login(desk.agent)
    response = client.post(
        f"/cases/{ticket.pk}/reply",
        {
            "reply-body": "x",
            "reply-status_after": "waiting_customer",
            "reply-send_anyway": "1",
            "reply-cc": "<b>x</b>@y",
        },
    )
    page = response.content.decode()
    assert response.status_code in (400, 422) and "<b>x</b>" not in page


def test_api_reply_takes_cc_and_bcc_and_refuses_them_elsewhere(desk, now):
    ticket = open_case(desk, now)
    agent = ApiClient(token_for(desk.agent, now))
    url = f"/api/v1/cases/{ticket.pk}/messages"
    created = agent.post(
        url, {"body": "Copy", "send_anyway": True, "cc": ["bea@partner.test"], "bcc": ["b@x.test"]}
    )
    assert created.status_code == 201, created.content
    assert created.json()["cc"] == ["bea@partner.test"]
    assert created.json()["bcc"] == ["b@x.test"]

    injected = agent.post(
        url, {"body": "Copy", "send_anyway": True, "cc": ["a@x.test\r\nBcc: evil@x.test"]}
    )
    assert injected.status_code == 422
    assert injected.json()["error"]["code"] == "header_injection"
    too_many = agent.post(
        url, {"body": "Copy", "send_anyway": True, "cc": [f"p{i}@x.test" for i in range(500)]}
    )
    assert too_many.status_code == 422
    note = agent.post(url, {"body": "Note", "kind": "note", "cc": ["a@x.test"]})
    assert note.status_code == 422 and note.json()["error"]["code"] == "invalid_combination"
    alice = ApiClient(token_for(desk.alice.user, now))
    refused = alice.post(url, {"body": "Me", "cc": ["a@x.test"]})
    assert refused.status_code == 403 and "cc" in refused.json()["error"]["details"]["fields"]
    assert Message.objects.filter(ticket=ticket, kind=MessageKind.REPLY).count() == 1


def test_a_bad_cc_is_named_before_the_coverage_check(desk, now, client):
    ticket = open_case(desk, now)
    client.force_login(desk.agent)
    # A reply the coverage check would hold back; the address typo is what the agent hears.
    response = client.post(
        f"/cases/{ticket.pk}/reply",
        {"reply-body": "Thanks!", "reply-status_after": "waiting_customer", "reply-cc": "bea@"},
    )
    page = response.content.decode()
    assert response.status_code in (400, 422) and "is not a" in page and "email address" in page
    assert 'id="reply-coverage"' not in page
    agent = ApiClient(token_for(desk.agent, now))
    api = agent.post(f"/api/v1/cases/{ticket.pk}/messages", {"body": "Thanks!", "cc": ["bea@"]})
    assert api.status_code == 422 and api.json()["error"]["code"] == "invalid_address"


def test_a_reply_with_a_promise_carries_cc_bcc_and_time(desk, now):
    from datetime import timedelta

    from caredesk.promises.actions import PromiseDraft, do_reply_with_promise
    from caredesk.promises.models import Promise

    ticket = open_case(desk, now)
    draft = PromiseDraft(kind="callback", text="Call back", due_at=now + timedelta(hours=6))
    message, _promise = do_reply_with_promise(
        ticket,
        agent=desk.agent,
        body="I'll call you.",
        draft=draft,
        now=now,
        cc="bea@partner.test",
        bcc="boss@acme.test",
        minutes=12,
    )
    assert message.cc == ["bea@partner.test"] and message.bcc == ["boss@acme.test"]
    assert message.time_entry.minutes == 12
    sent = OutboundEmail.objects.get(message_id=message.pk)
    assert sent.cc == ["bea@partner.test"] and sent.bcc == ["boss@acme.test"]
    # A refused Cc makes neither the reply nor the promise.
    with pytest.raises(InvalidInput):
        do_reply_with_promise(
            ticket, agent=desk.agent, body="Again", draft=draft, now=now, cc="x@y\r\nBcc: z@z"
        )
    assert Promise.objects.filter(ticket=ticket).count() == 1
