"""Machine mail never gets an automatic reply; delivery reports become bounce records."""

from __future__ import annotations

import pytest
from django.core import mail

from caredesk.channels.email.models import Bounce, RawState
from caredesk.channels.email.selectors import delivery_status_for_messages
from caredesk.core.models import OutboundEmail
from caredesk.tickets.actions import do_reply
from caredesk.tickets.models import Ticket
from tests.conftest import NOW
from tests.email.conftest import ingest, make_mail


@pytest.mark.parametrize(
    "headers",
    [
        {"Auto-Submitted": "auto-replied"},
        {"Auto-Submitted": "auto-generated; owner=x"},
        {"Precedence": "bulk"},
        {"Precedence": "list"},
        {"Precedence": "junk"},
        {"X-Auto-Response-Suppress": "OOF"},
        {"X-Autoreply": "yes"},
        {"X-Autorespond": "yes"},
        {"List-Id": "<news.shop.test>"},
        {"Return-Path": "<>"},
    ],
)
def test_machine_mail_is_filed_but_never_answered(desk, mail_settings, headers):
    row = ingest(make_mail(sender="robot@shop.test", headers=headers))
    assert row.state == RawState.PROCESSED
    assert not [m for m in mail.outbox if m.to == ["robot@shop.test"]]


def test_auto_submitted_no_is_a_person(desk, mail_settings):
    ingest(make_mail(sender="person@shop.test", headers={"Auto-Submitted": "no"}))
    assert [m for m in mail.outbox if m.to == ["person@shop.test"]]


def test_mail_from_our_own_address_is_quarantined_not_answered(desk, mail_settings):
    row = ingest(make_mail(sender="support@caredesk.localhost"))
    assert row.state == RawState.QUARANTINED and "own addresses" in row.error
    assert not mail.outbox


def test_mailer_daemon_without_a_recipient_is_not_a_case(desk, mail_settings):
    row = ingest(
        make_mail(
            sender="MAILER-DAEMON@mx.test", subject="Undelivered Mail", body="Something went wrong."
        )
    )
    assert row.state in (RawState.QUARANTINED, RawState.BOUNCE)
    assert Ticket.objects.count() == 0 and not mail.outbox


def _dsn(original_message_id: str, recipient: str) -> bytes:
    return (
        "From: MAILER-DAEMON@mx.acme.test (Mail Delivery System)\r\n"
        "To: support@caredesk.localhost\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\n"
        "Message-ID: <dsn-1@mx.acme.test>\r\n"
        "Auto-Submitted: auto-replied\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\r\n\r\n'
        "--B\r\nContent-Type: text/plain\r\n\r\nI'm sorry to have to inform you that your "
        "message could not be delivered.\r\n\r\n"
        "--B\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx.acme.test\r\n\r\n"
        f"Final-Recipient: rfc822; {recipient}\r\nAction: failed\r\nStatus: 5.1.1\r\n"
        "Diagnostic-Code: smtp; 550 5.1.1 user unknown\r\n\r\n"
        "--B\r\nContent-Type: text/rfc822-headers\r\n\r\n"
        f"From: support@caredesk.localhost\r\nTo: {recipient}\r\n"
        f"Message-ID: {original_message_id}\r\nSubject: Re: [CD-1001] x\r\n\r\n"
        "--B--\r\n"
    ).encode()


def test_a_bounce_is_recorded_against_the_address_and_shown_on_the_reply(desk, mail_settings):
    first = ingest(make_mail())
    ticket = Ticket.objects.get(pk=first.ticket_id)
    reply = do_reply(ticket, agent=desk.agent, body="Here you go", now=NOW)
    outbound = OutboundEmail.objects.get(message_id=reply.pk)
    assert delivery_status_for_messages([reply.pk]) == {reply.pk: "sent"}

    row = ingest(_dsn(outbound.rfc_message_id, "alice@acme.test"))
    assert row.state == RawState.BOUNCE
    bounce = Bounce.objects.get()
    assert bounce.address == "alice@acme.test" and bounce.permanent
    assert bounce.customer == desk.alice and bounce.ticket == ticket
    assert delivery_status_for_messages([reply.pk]) == {reply.pk: "bounced"}
    assert ticket.events.filter(verb="email_bounced").exists()
    assert Ticket.objects.count() == 1  # no case opened for the report
    assert ticket.messages.count() == 2


def test_a_bounce_for_an_unknown_mail_is_still_recorded(desk, mail_settings):
    row = ingest(_dsn("<unknown@elsewhere>", "nobody@acme.test"))
    assert row.state == RawState.BOUNCE
    assert Bounce.objects.get().ticket is None
