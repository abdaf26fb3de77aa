from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail

from caredesk.core.errors import Conflict, DomainError, PermissionDenied
from caredesk.tickets import actions
from caredesk.tickets.attachments import IncomingFile
from caredesk.tickets.models import AuditEvent, Channel, MessageKind, Status, Ticket


def open_case(desk, now, **kw):
    params = dict(
        customer=desk.alice,
        subject="Delivery came outside the window",
        body="The van came at 7pm although I booked 8-12.",
        channel=Channel.PORTAL,
        now=now,
    )
    params.update(kw)
    return actions.do_open_ticket(**params)


def test_opening_a_case_keeps_the_original_words_and_audits(desk, now):
    ticket = open_case(desk, now)
    assert ticket.status == Status.NEW
    assert ticket.original_request == "The van came at 7pm although I booked 8-12."
    assert ticket.organization_id == desk.acme.pk
    assert ticket.reference == f"CD-{1000 + ticket.pk}"
    event = AuditEvent.objects.get(ticket=ticket)
    assert event.verb == "created" and event.public
    assert [m.kind for m in ticket.messages.all()] == [MessageKind.CUSTOMER]
    # Acknowledgement mail is automatic, so it says so (no mail loops).
    assert len(mail.outbox) == 1
    assert mail.outbox[0].extra_headers["Auto-Submitted"] == "auto-generated"
    assert ticket.reference in mail.outbox[0].subject


def test_reply_sets_first_response_status_and_assigns(desk, now):
    ticket = open_case(desk, now)
    later = now + timedelta(minutes=30)
    actions.do_reply(ticket, agent=desk.agent, body="We are on it.", now=later)
    ticket.refresh_from_db()
    assert ticket.first_response_at == later
    assert ticket.status == Status.WAITING_CUSTOMER
    assert ticket.assignee == desk.agent
    assert mail.outbox[-1].to == ["alice@acme.test"]
    assert "We are on it." in mail.outbox[-1].body


def test_customer_reply_reopens_a_resolved_case(desk, now):
    ticket = open_case(desk, now)
    actions.do_reply(
        ticket, agent=desk.agent, body="Refunded.", now=now, status_after=Status.RESOLVED
    )
    actions.do_add_customer_message(
        ticket,
        customer=desk.alice,
        body="Not received yet",
        channel=Channel.PORTAL,
        now=now + timedelta(days=1),
    )
    ticket.refresh_from_db()
    assert ticket.status == Status.WAITING_US
    assert ticket.reopen_count == 1
    assert ticket.events.filter(verb="reopened").count() == 1


def test_closed_case_refuses_customer_message(desk, now):
    ticket = open_case(desk, now)
    actions.do_change_status(ticket, actor=desk.agent, status=Status.CLOSED, now=now)
    with pytest.raises(Conflict):
        actions.do_add_customer_message(
            ticket, customer=desk.alice, body="hello", channel=Channel.PORTAL, now=now
        )


def test_handoff_note_travels_with_the_original_request(desk, now):
    ticket = open_case(desk, now)
    actions.do_assign(
        ticket,
        actor=desk.agent,
        assignee=desk.other_agent,
        team=desk.delivery,
        handoff_note="Customer booked 8-12; driver log says 19:04.",
        now=now,
    )
    ticket.refresh_from_db()
    assert ticket.assignee == desk.other_agent and ticket.team == desk.delivery
    event = ticket.events.get(verb="assigned")
    assert event.old_value["assignee"] is None and event.new_value["assignee"] == "Otto Other"
    handoff_mail = mail.outbox[-1]
    assert handoff_mail.to == ["otto@desk.test"]
    assert "The van came at 7pm although I booked 8-12." in handoff_mail.body
    assert "driver log says 19:04" in handoff_mail.body


def test_assigning_outside_the_team_is_refused(desk, now):
    ticket = open_case(desk, now)
    with pytest.raises(DomainError, match="not a member"):
        actions.do_assign(
            ticket, actor=desk.agent, assignee=desk.agent, team=desk.delivery, now=now
        )


def test_customer_cannot_set_arbitrary_status(desk, now):
    ticket = open_case(desk, now)
    with pytest.raises(PermissionDenied):
        actions.do_change_status(ticket, actor=desk.alice.user, status=Status.CLOSED, now=now)


@pytest.mark.parametrize("body", ["", "   \n\t ", "\x00\x01"])
def test_empty_bodies_are_refused(desk, now, body):
    with pytest.raises(DomainError, match="empty"):
        open_case(desk, now, body=body)


def test_oversized_body_and_attachments_are_refused(desk, now, settings):
    settings.CAREDESK_MAX_BODY_CHARS = 100
    with pytest.raises(DomainError, match="too long"):
        open_case(desk, now, body="x" * 101)
    settings.CAREDESK_MAX_ATTACHMENT_BYTES = 10
    with pytest.raises(DomainError, match="limit is"):
        open_case(desk, now, files=[IncomingFile("big.bin", b"x" * 11)])


def test_attachment_names_are_normalised_and_stored_under_generated_names(desk, now):
    ticket = open_case(
        desk, now, files=[IncomingFile("../../etc/.pass\u202ewd.txt", b"hello", "text/plain")]
    )
    attachment = ticket.messages.get().attachments.get()
    assert attachment.filename == "passwd.txt"
    assert "passwd" not in attachment.file.name and attachment.file.name.startswith("attachments/")
    assert attachment.file.read() == b"hello"


def test_tags_are_normalised_and_audited(desk, now):
    ticket = open_case(desk, now)
    actions.do_set_tags(
        ticket, actor=desk.agent, names=["Refund ", "refund", "late delivery"], now=now
    )
    assert sorted(ticket.tags.values_list("name", flat=True)) == ["late-delivery", "refund"]
    assert ticket.events.get(verb="tags_changed").new_value == ["late-delivery", "refund"]


def test_adding_and_removing_tags_keeps_what_others_set(desk, now):
    ticket = open_case(desk, now)
    stale = Ticket.objects.get(pk=ticket.pk)  # a bulk run's copy, read before the agent's edit
    actions.do_set_tags(ticket, actor=desk.agent, names=["refund"], now=now)
    _, changed = actions.do_change_tags(stale, actor=desk.agent, add=["Late delivery"], now=now)
    assert changed
    assert sorted(ticket.tags.values_list("name", flat=True)) == ["late-delivery", "refund"]
    _, changed = actions.do_change_tags(ticket, actor=desk.agent, remove=["refund"], now=now)
    assert changed and list(ticket.tags.values_list("name", flat=True)) == ["late-delivery"]
    _, changed = actions.do_change_tags(ticket, actor=desk.agent, remove=["absent"], now=now)
    assert not changed
    assert ticket.events.filter(verb="tags_changed").count() == 3


def test_audit_log_is_append_only(desk, now):
    ticket = open_case(desk, now)
    event = ticket.events.first()
    event.note = "tampered"
    with pytest.raises(ValueError, match="append-only"):
        event.save()
    with pytest.raises(ValueError, match="append-only"):
        event.delete()
