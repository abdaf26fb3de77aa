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


def test_an_out_of_office_reply_to_a_resolved_case_does_not_reopen_it(desk, mail_settings):
    """The "Is this solved?" mail draws auto-replies; they are filed on the case but do not
    reopen it (nor count as a reopen against the agent), and the question stays open."""
    first = ingest(make_mail(message_id="<o1@mail.test>"))
    ticket = Ticket.objects.get(pk=first.ticket_id)
    do_change_status(ticket, actor=desk.agent, status=Status.RESOLVED, now=clock.now())
    again = ingest(
        make_mail(
            subject=f"Automatic reply: [{ticket.reference}] parcel",
            body="I am out of the office until Monday.",
            in_reply_to="<o1@mail.test>",
            headers={"Auto-Submitted": "auto-replied"},
        )
    )
    assert again.ticket_id == ticket.pk
    ticket.refresh_from_db()
    assert ticket.status == Status.RESOLVED and ticket.reopen_count == 0
    assert ticket.messages.filter(body__contains="out of the office").exists()
    assert ticket.resolution_outcome == "pending"


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


def test_a_second_reply_to_the_closed_case_goes_to_its_open_follow_up(desk, mail_settings):
    first = ingest(make_mail(message_id="<s1@mail.test>"))
    ticket = Ticket.objects.get(pk=first.ticket_id)
    do_change_status(ticket, actor=desk.agent, status=Status.CLOSED, now=clock.now())
    one = ingest(make_mail(body="First again.", in_reply_to="<s1@mail.test>"))
    two = ingest(make_mail(body="And again.", in_reply_to="<s1@mail.test>"))
    assert one.ticket_id == two.ticket_id != ticket.pk
    follow_up = Ticket.objects.get(pk=one.ticket_id)
    assert list(follow_up.messages.values_list("body", flat=True)) == ["First again.", "And again."]
    # Once the follow-up is closed too, the next reply opens a new one.
    do_change_status(follow_up, actor=desk.agent, status=Status.CLOSED, now=clock.now())
    three = ingest(make_mail(body="Third time.", in_reply_to="<s1@mail.test>"))
    assert three.ticket_id not in (ticket.pk, follow_up.pk)
    assert Ticket.objects.filter(follow_up_of=ticket).count() == 2


def test_portal_second_reply_on_the_closed_case_goes_to_the_follow_up(desk, now):
    from django.test import Client

    from caredesk.tickets import actions

    ticket = actions.do_open_ticket(
        customer=desk.alice, subject="Old", body="Old words", channel="portal", now=now
    )
    actions.do_change_status(ticket, actor=desk.agent, status=Status.CLOSED, now=now)
    alice = Client()
    alice.force_login(desk.alice.user)
    alice.post(f"/portal/cases/{ticket.pk}/reply/", {"body": "Once"})
    response = alice.post(f"/portal/cases/{ticket.pk}/reply/", {"body": "Twice"})
    follow_up = Ticket.objects.get(follow_up_of=ticket)
    assert response["Location"] == f"/portal/cases/{follow_up.pk}/"
    assert list(follow_up.messages.values_list("body", flat=True)) == ["Once", "Twice"]
