"""Inbound mail becomes case messages: new cases, threading, identity, content."""

from __future__ import annotations

from django.core import mail

from caredesk.channels.email.models import CaseParticipant, RawMessage, RawState
from caredesk.core import clock
from caredesk.core.models import EmailLink
from caredesk.customers.models import ContactIdentity
from caredesk.tickets.actions import do_change_status, do_reply
from caredesk.tickets.models import Message, Ticket
from tests.email.conftest import ingest, make_mail


def test_a_new_sender_opens_a_case_becomes_a_customer_and_is_acknowledged_once(desk, mail_settings):
    raw = ingest(make_mail(sender="Carol New <carol@new.test>", subject="Broken kettle"))
    assert raw.state == RawState.PROCESSED
    ticket = Ticket.objects.get(pk=raw.ticket_id)
    assert ticket.subject == "Broken kettle" and ticket.channel == "email"
    assert ticket.customer.name == "Carol New"
    assert ContactIdentity.objects.filter(customer=ticket.customer, value="carol@new.test").exists()
    assert "parcel 4711" in ticket.original_request
    acks = [m for m in mail.outbox if m.to == ["carol@new.test"]]
    assert len(acks) == 1
    assert ticket.reference in acks[0].subject
    assert acks[0].extra_headers["Auto-Submitted"] == "auto-generated"
    assert acks[0].extra_headers["X-Auto-Response-Suppress"] == "All"
    # The acknowledgement threads under the customer's message.
    link = EmailLink.objects.get(ticket_id=ticket.pk, direction="in")
    assert acks[0].extra_headers["In-Reply-To"] == link.rfc_message_id
    # A second new case from the same sender within the hour gets no second acknowledgement.
    ingest(make_mail(sender="carol@new.test", subject="And the toaster"))
    assert len([m for m in mail.outbox if m.to == ["carol@new.test"]]) == 1
    assert Ticket.objects.filter(customer=ticket.customer).count() == 2


def test_a_known_address_is_matched_to_its_customer(desk, mail_settings):
    raw = ingest(make_mail(sender="ALICE@ACME.TEST"))
    assert Ticket.objects.get(pk=raw.ticket_id).customer == desk.alice


def test_replies_thread_by_in_reply_to_references_and_subject_token(desk, mail_settings):
    first = ingest(make_mail())
    ticket = Ticket.objects.get(pk=first.ticket_id)
    # Intake files by the wall clock (the processing task): the reply must come after.
    reply = do_reply(ticket, agent=desk.agent, body="Which address?", now=clock.now())
    sent = mail.outbox[-1]
    assert sent.to == ["alice@acme.test"]
    our_id = sent.extra_headers["Message-ID"]
    assert (
        sent.extra_headers["In-Reply-To"]
        == EmailLink.objects.get(message_id=ticket.messages.first().pk).rfc_message_id
    )
    assert EmailLink.objects.get(message_id=reply.pk).rfc_message_id == our_id
    assert [alt[1] for alt in sent.alternatives] == ["text/html"]

    by_header = ingest(
        make_mail(subject="Re: something else", in_reply_to=our_id, body="Main street 1")
    )
    by_refs = ingest(make_mail(subject="no token", references=f"<x@y> {our_id}", body="Also"))
    by_token = ingest(make_mail(subject=f"Re: [{ticket.reference}] parcel", body="Hello?"))
    assert {by_header.ticket_id, by_refs.ticket_id, by_token.ticket_id} == {ticket.pk}
    assert ticket.messages.filter(kind="customer").count() == 4
    ticket.refresh_from_db()
    assert ticket.status == "waiting_us"


def test_spoofed_sender_with_valid_token_and_in_reply_to_does_not_post_to_the_case(
    desk, mail_settings
):
    first = ingest(make_mail())
    ticket = Ticket.objects.get(pk=first.ticket_id)
    customer_msg_id = EmailLink.objects.get(ticket_id=ticket.pk).rfc_message_id
    spoof = ingest(
        make_mail(
            sender='"alice@acme.test" <mallory@evil.test>',
            subject=f"Re: [{ticket.reference}] refund to new account",
            in_reply_to=customer_msg_id,
            references=customer_msg_id,
            headers={"Reply-To": "alice@acme.test"},
            body="Please send the refund to IBAN XX00 EVIL.",
        )
    )
    assert ticket.messages.count() == 1
    assert spoof.ticket_id != ticket.pk
    other = Ticket.objects.get(pk=spoof.ticket_id)
    assert other.customer.identities.get().value == "mallory@evil.test"
    assert other.events.filter(verb="thread_hint_refused").exists()


def test_cc_addresses_become_participants_who_can_reply(desk, mail_settings):
    first = ingest(make_mail(cc="Dan Colleague <dan@acme.test>, support@caredesk.localhost"))
    ticket = Ticket.objects.get(pk=first.ticket_id)
    addresses = set(CaseParticipant.objects.filter(ticket=ticket).values_list("address", flat=True))
    assert addresses == {"alice@acme.test", "dan@acme.test"}
    reply = ingest(
        make_mail(
            sender="dan@acme.test",
            subject=f"Re: [{ticket.reference}] x",
            body="I am Alice's colleague; same problem here.",
        )
    )
    assert reply.ticket_id == ticket.pk
    message = Message.objects.get(pk=reply.message_id)
    assert message.author_customer.identities.get().value == "dan@acme.test"


def test_the_same_message_twice_creates_nothing_new(desk, mail_settings):
    raw = make_mail(message_id="<once@mail.test>")
    first = ingest(raw)
    second = ingest(raw)
    assert first.pk == second.pk
    # Same Message-ID through another way in (e.g. IMAP and the MTA pipe): a duplicate.
    third = ingest(raw, channel="http")
    assert third.state == RawState.DUPLICATE
    assert Message.objects.count() == 1


def test_a_message_without_message_id_gets_a_stable_synthetic_one(desk, mail_settings):
    raw = make_mail().replace(b"Message-ID:", b"X-Old-Id:")
    first = ingest(raw)
    again = ingest(raw)
    assert first.synthetic_id and first.rfc_message_id.endswith("@synthetic.caredesk.invalid>")
    assert first.pk == again.pk
    assert RawMessage.objects.count() == 1 and Message.objects.count() == 1


def test_a_closed_case_gets_a_new_case_instead(desk, mail_settings):
    first = ingest(make_mail())
    ticket = Ticket.objects.get(pk=first.ticket_id)
    do_change_status(ticket, actor=desk.agent, status="closed", now=clock.now())
    again = ingest(make_mail(subject=f"Re: [{ticket.reference}] parcel"))
    assert again.state == RawState.PROCESSED and again.ticket_id != ticket.pk


def test_reply_to_is_never_used_for_identity(desk, mail_settings):
    raw = ingest(make_mail(sender="eve@evil.test", headers={"Reply-To": "alice@acme.test"}))
    assert Ticket.objects.get(pk=raw.ticket_id).customer != desk.alice


def test_quoted_history_and_signature_are_kept_apart(desk, mail_settings):
    body = (
        "Yes, the address is Main Street 1.\n\n-- \nAlice Acme\nHead of Things\n\n"
        "On Mon, 23 Nov 2026 at 09:00, caredesk <support@caredesk.localhost> wrote:\n"
        "> Which address?\n"
    )
    body = body.replace("-- \nAlice Acme\nHead of Things\n\nOn", "On")
    body = "Yes, the address is Main Street 1.\n\n-- \nAlice\n\nOn Mon wrote:\n> Which address?\n"
    raw = ingest(make_mail(body=body))
    message = Message.objects.get(pk=raw.message_id)
    assert message.body == "Yes, the address is Main Street 1."
    link = EmailLink.objects.get(message_id=message.pk)
    assert "> Which address?" in link.quoted_text
    assert link.signature == "Alice"


def test_html_is_sanitised_and_used_when_there_is_no_text(desk, mail_settings):
    html = (
        '<p>Hi <b>team</b></p><script>alert(1)</script><img src="http://track.test/p.gif">'
        '<a href="javascript:alert(1)">x</a>'
    )
    raw = make_mail(html=html)
    row = ingest(raw)
    message = Message.objects.get(pk=row.message_id)
    assert "<script" not in message.body_html and "<img" not in message.body_html
    assert "javascript:" not in message.body_html and "<b>team</b>" in message.body_html


def test_attachments_and_inline_images_are_stored(desk, mail_settings):
    row = ingest(
        make_mail(
            attachments=[
                ("invoice.pdf", b"%PDF-1.4 fake", "application/pdf"),
                ("../../etc/passwd", b"root:x", "text/plain"),
            ]
        )
    )
    message = Message.objects.get(pk=row.message_id)
    names = sorted(a.filename for a in message.attachments.all())
    assert names == ["invoice.pdf", "passwd"]
