"""A reply to a closed case opens a follow-up case linked to it (email and portal); a
reply to a resolved case reopens it as before."""

from __future__ import annotations

from caredesk.core import clock
from caredesk.core.models import OutboundEmail
from caredesk.tickets.actions import do_change_status
from caredesk.tickets.models import Status, Ticket
from tests.email.conftest import ingest, make_mail


def test_email_reply_to_a_closed_case_opens_a_linked_follow_up(desk, mail_settings):
    first = ingest(make_mail(message_id="<first@mail.test>"))
    ticket = Ticket.objects.get(pk=first.ticket_id)
    do_change_status(ticket, actor=desk.agent, status=Status.CLOSED, now=clock.now())
    again = ingest(
        make_mail(
            subject=f"Re: [{ticket.reference}] parcel",
            body="It arrived broken.",
            in_reply_to="<first@mail.test>",
            references="<first@mail.test>",
        )
    )
    follow_up = Ticket.objects.get(pk=again.ticket_id)
    assert follow_up.pk != ticket.pk and follow_up.follow_up_of == ticket
    assert follow_up.subject.startswith(f"Follow-up to {ticket.reference}")
    assert follow_up.original_request == "It arrived broken."
    assert ticket.events.filter(verb="followed_up", public=True).exists()
    assert follow_up.events.filter(verb="follow_up_opened", public=True).exists()
    ack = OutboundEmail.objects.filter(ticket_id=follow_up.pk, kind="ack").get()
    assert f"Your earlier case {ticket.reference} was already closed" in ack.text
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED


def test_email_reply_to_a_resolved_case_reopens_it(desk, mail_settings):
    first = ingest(make_mail(message_id="<r1@mail.test>"))
    ticket = Ticket.objects.get(pk=first.ticket_id)
    do_change_status(ticket, actor=desk.agent, status=Status.RESOLVED, now=clock.now())
    again = ingest(
        make_mail(subject=f"Re: [{ticket.reference}] parcel", in_reply_to="<r1@mail.test>")
    )
    assert again.ticket_id == ticket.pk
    ticket.refresh_from_db()
    assert ticket.status == Status.WAITING_US and ticket.reopen_count == 1
    assert not Ticket.objects.filter(follow_up_of=ticket).exists()


def test_machine_mail_to_a_closed_case_opens_a_silent_follow_up(desk, mail_settings):
    first = ingest(make_mail(message_id="<m1@mail.test>"))
    ticket = Ticket.objects.get(pk=first.ticket_id)
    do_change_status(ticket, actor=desk.agent, status=Status.CLOSED, now=clock.now())
    again = ingest(
        make_mail(
            subject="Out of office",
            in_reply_to="<m1@mail.test>",
            headers={"Auto-Submitted": "auto-replied"},
        )
    )
    follow_up = Ticket.objects.get(pk=again.ticket_id)
    assert follow_up.follow_up_of == ticket and follow_up.from_machine
    assert not OutboundEmail.objects.filter(ticket_id=follow_up.pk).exists()
    do_change_status(follow_up, actor=desk.agent, status=Status.RESOLVED, now=clock.now())
    assert not OutboundEmail.objects.filter(ticket_id=follow_up.pk).exists()  # never asked
