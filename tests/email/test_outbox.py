"""Outbound mail goes through the outbox to a real SMTP server, with retries."""

from __future__ import annotations

from datetime import timedelta
from email import message_from_bytes, policy
from pathlib import Path

import caredesk
from caredesk.channels.email.selectors import delivery_status_for_messages
from caredesk.core.deadlines import sweep_kind
from caredesk.core.models import MailTemplate, OutboundEmail, OutboundState
from caredesk.tickets.actions import do_reply
from caredesk.tickets.models import Ticket
from tests.conftest import NOW
from tests.email.conftest import ingest, make_mail


def test_a_reply_reaches_the_smtp_server_threaded_with_text_and_html(
    desk, mail_settings, smtp_server
):
    first = ingest(make_mail(message_id="<cust-1@mail.test>"))
    ticket = Ticket.objects.get(pk=first.ticket_id)
    smtp_server.envelopes.clear()  # the acknowledgement
    body = "We sent a new parcel.\n\nIt's <on its way> & tracked."
    reply = do_reply(ticket, agent=desk.agent, body=body, now=NOW)
    assert len(smtp_server.envelopes) == 1
    _mail_from, rcpts, data = smtp_server.envelopes[0]
    assert rcpts == ["alice@acme.test"]
    msg = message_from_bytes(data, policy=policy.default)
    assert msg["In-Reply-To"] == "<cust-1@mail.test>"
    assert "<cust-1@mail.test>" in msg["References"]
    assert msg["Message-ID"] == OutboundEmail.objects.get(message_id=reply.pk).rfc_message_id
    assert ticket.reference in msg["Subject"]
    assert "Auto-Submitted" not in msg  # a person's reply is not automatic
    assert {p.get_content_type() for p in msg.walk()} >= {"text/plain", "text/html"}
    plain = msg.get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert body in plain  # plain text, no entities
    html = msg.get_body(("html",)).get_content().replace("\r\n", "\n")
    # Real paragraphs, each character escaped once (a mail client shows the words).
    assert "<p>We sent a new parcel.</p>" in html
    assert "<p>It&#x27;s &lt;on its way&gt; &amp; tracked." in html
    assert delivery_status_for_messages([reply.pk]) == {reply.pk: "sent"}

    # The customer's answer to our reply threads back by In-Reply-To.
    back = ingest(make_mail(subject="Thanks", in_reply_to=msg["Message-ID"]))
    assert back.ticket_id == ticket.pk


def test_a_temporary_smtp_failure_is_retried_with_backoff(desk, mail_settings, smtp_server):
    first = ingest(make_mail())
    ticket = Ticket.objects.get(pk=first.ticket_id)
    smtp_server.envelopes.clear()
    smtp_server.refuse = 1
    reply = do_reply(ticket, agent=desk.agent, body="Try this.", now=NOW)
    row = OutboundEmail.objects.get(message_id=reply.pk)
    assert row.state == OutboundState.RETRYING and row.attempts == 1
    assert "451" in row.last_error
    assert delivery_status_for_messages([reply.pk]) == {reply.pk: "retrying"}
    # Not due yet: nothing happens.
    assert sweep_kind("outbox.retry", row.next_attempt_at - timedelta(seconds=1)) == 0
    assert sweep_kind("outbox.retry", row.next_attempt_at) == 1
    row.refresh_from_db()
    assert row.state == OutboundState.SENT and row.attempts == 2
    assert len(smtp_server.envelopes) == 1


def test_after_the_last_attempt_the_mail_is_failed_and_visible(
    desk, mail_settings, smtp_server, settings, client
):
    settings.CAREDESK_EMAIL_MAX_ATTEMPTS = 2
    first = ingest(make_mail())
    ticket = Ticket.objects.get(pk=first.ticket_id)
    smtp_server.refuse = 10
    reply = do_reply(ticket, agent=desk.agent, body="Hello", now=NOW)
    row = OutboundEmail.objects.get(message_id=reply.pk)
    sweep_kind("outbox.retry", row.next_attempt_at + timedelta(hours=1))
    row.refresh_from_db()
    assert row.state == OutboundState.FAILED and row.attempts == 2
    client.force_login(desk.admin)
    page = client.get("/mail/outbox/")
    assert page.status_code == 200 and b"alice@acme.test" in page.content
    assert b"Email failed" in page.content


def test_an_unreachable_smtp_server_leaves_the_mail_queued_for_retry(desk, mail_settings, settings):
    from tests.email.conftest import free_port

    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", free_port(), 2
    first = ingest(make_mail())
    ack = OutboundEmail.objects.get(ticket_id=first.ticket_id)
    assert ack.state == OutboundState.RETRYING and ack.last_error


def test_admins_can_edit_mail_templates(desk, mail_settings):
    MailTemplate.objects.create(
        name="acknowledgement",
        subject="Thanks, {{ ticket.customer.name }}",
        text="Dear {{ ticket.customer.name }}, case {{ ticket.reference }} is open.",
        html="<p>Dear {{ ticket.customer.name }}</p>",
    )
    first = ingest(make_mail(sender="Zoe <zoe@z.test>"))
    ack = OutboundEmail.objects.get(ticket_id=first.ticket_id)
    ticket = Ticket.objects.get(pk=first.ticket_id)
    assert ack.subject == f"[{ticket.reference}] Thanks, Zoe"
    assert ack.text.startswith("Dear Zoe, case") and ack.html == "<p>Dear Zoe</p>"


def test_every_built_in_mail_text_is_rendered_without_html_escaping():
    # A text mail that escapes shows customers "I&#x27;m" (the HTML part escapes its own).
    templates = sorted(Path(caredesk.__file__).parent.glob("**/templates/**/mail/*.txt"))
    assert len(templates) >= 15
    for path in templates:
        source = path.read_text()
        assert "{% autoescape off %}" in source, path
        assert source.rstrip().endswith("{% endautoescape %}"), path
