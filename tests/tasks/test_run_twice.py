"""A task put back in the queue after its worker died runs again from the start: each
task that has an effect (a mail, an event on the case) has it exactly once.

Each test builds its case with effects suppressed, then runs the one task through the
real database queue twice (the second time as recovery hands it to the next worker),
delivery included, and counts what a person would receive."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail

from caredesk.channels.email.actions import do_process_batch, do_store_raw
from caredesk.channels.email.intake import from_bytes
from caredesk.core.effects import suppress_effects
from caredesk.core.models import OutboundEmail
from caredesk.tickets import actions
from caredesk.tickets.models import AuditEvent, Channel, Message, MessageKind
from tests.email.conftest import make_mail
from tests.tasks.conftest import run_twice

# Real commits: the library's worker closes the database connection when its batch ends,
# which would end a rolled-back test's transaction on PostgreSQL.
pytestmark = [pytest.mark.usefixtures("db_queue"), pytest.mark.django_db(transaction=True)]


def mails_to(address: str) -> list[str]:
    return [m.subject for m in mail.outbox if address in m.to]


def open_case(desk, now, channel=Channel.PORTAL, **kw):
    with suppress_effects():
        return actions.do_open_ticket(
            customer=desk.alice,
            subject="Parcel 4711 never arrived",
            body="Where is my parcel?",
            channel=channel,
            now=now,
            team=desk.billing,
            **kw,
        )


def test_acknowledging_a_case_twice_sends_one_acknowledgement(desk, now):
    from caredesk.tickets import tasks

    ticket = open_case(desk, now)
    run_twice(tasks.acknowledge_new_ticket, ticket.pk)
    assert len(mails_to("alice@acme.test")) == 1
    assert OutboundEmail.objects.filter(ticket_id=ticket.pk, kind="ack").count() == 1


def test_an_email_batch_acknowledged_twice_acknowledges_each_case_once(desk, now):
    from caredesk.channels.email import tasks

    first, second = open_case(desk, now, Channel.EMAIL), open_case(desk, now, Channel.EMAIL)
    run_twice(
        tasks.acknowledge_email_cases,
        [(first.pk, "alice@acme.test"), (second.pk, "alice+2@acme.test")],
    )
    run_twice(tasks.acknowledge_email_case, first.pk, "alice@acme.test")
    assert OutboundEmail.objects.filter(ticket_id=first.pk, kind="ack").count() == 1
    assert OutboundEmail.objects.filter(ticket_id=second.pk, kind="ack").count() == 1
    assert len(mails_to("alice@acme.test")) == 1 and len(mails_to("alice+2@acme.test")) == 1


def test_a_reply_mailed_twice_reaches_the_customer_once(desk, now):
    from caredesk.promises import tasks as promise_tasks
    from caredesk.tickets import tasks

    ticket = open_case(desk, now)
    with suppress_effects():
        reply = actions.do_reply(ticket, agent=desk.agent, body="It is on its way.", now=now)
    run_twice(tasks.send_reply_to_customer, reply.pk)
    # The honest-update task mails a reply too; the same reply is never mailed again.
    run_twice(promise_tasks.send_customer_update, reply.pk)
    assert len(mails_to("alice@acme.test")) == 1
    assert OutboundEmail.objects.filter(message_id=reply.pk, kind="reply").count() == 1


def test_the_honest_update_is_mailed_once(desk, now):
    from caredesk.promises import tasks

    ticket = open_case(desk, now)
    with suppress_effects():
        update = actions.do_post_system_reply(ticket, body="We missed our promise.", now=now)
    run_twice(tasks.send_customer_update, update.pk)
    assert len(mails_to("alice@acme.test")) == 1


def test_the_assignee_hears_of_a_customer_message_once(desk, now):
    from caredesk.tickets import tasks

    ticket = open_case(desk, now)
    with suppress_effects():
        actions.do_assign(ticket, actor=desk.lead, assignee=desk.agent, team=desk.billing, now=now)
        message = actions.do_add_customer_message(
            ticket, customer=desk.alice, body="Any news?", channel=Channel.PORTAL, now=now
        )
    run_twice(tasks.notify_assignee_of_customer_message, message.pk)
    assert len(mails_to(desk.agent.email)) == 1


def test_a_hand_over_is_mailed_once_per_hand_over(desk, now):
    from caredesk.tickets import tasks

    ticket = open_case(desk, now)
    with suppress_effects():
        actions.do_assign(ticket, actor=desk.lead, assignee=desk.agent, team=desk.billing, now=now)
    run_twice(tasks.notify_new_assignee, ticket.pk, desk.agent.pk, "Call her back")
    assert len(mails_to(desk.agent.email)) == 1
    # Handed away and back: a new hand-over, a new mail (and still one per run pair).
    run_twice(tasks.notify_new_assignee, ticket.pk, desk.agent.pk, "Back to you")
    assert len(mails_to(desk.agent.email)) == 2


def test_an_oversize_notice_is_sent_once(desk, now, settings):
    from caredesk.channels.email import tasks

    settings.CAREDESK_EMAIL_MAX_BYTES = 50_000
    big = make_mail(attachments=[("big.bin", b"\x00" * 200_000, "application/octet-stream")])
    with suppress_effects():
        raw, _ = do_store_raw(from_bytes(big), channel="pipe", now=now)
        do_process_batch([raw.pk], now=now)
    run_twice(tasks.send_oversize_notice, raw.pk)
    notices = mails_to("alice@acme.test")
    assert len(notices) == 1 and "did not reach us" in notices[0]
    # Not even a second, suppressed row in the outbox (the per-sender cap would hide it).
    assert OutboundEmail.objects.filter(kind="notice").count() == 1


def test_a_notification_is_mailed_once(desk, now):
    from caredesk.core import notifications

    ticket = open_case(desk, now)
    with suppress_effects():
        row = notifications.notify(
            desk.agent, "promise_reminder", subject="Due in 1 hour", now=now, ticket_id=ticket.pk
        )
    run_twice(notifications.mail_notification_task, row.pk, desk.agent.email)
    assert len(mails_to(desk.agent.email)) == 1


def test_a_feedback_notice_is_mailed_once(desk, now):
    from caredesk.feedback import tasks
    from caredesk.feedback.actions import do_leave_feedback
    from caredesk.feedback.models import FeedbackSource

    ticket = open_case(desk, now)
    with suppress_effects():
        actions.do_reply(ticket, agent=desk.agent, body="Hygiene items stay.", now=now)
        kudos = do_leave_feedback(
            ticket,
            agent=desk.agent,
            kind="kudos",
            body="Very kind, thank you.",
            source=FeedbackSource.PORTAL,
            author_customer=desk.alice,
            now=now,
        )
    run_twice(tasks.send_feedback_notice, kudos.pk, "new")
    assert len(mails_to(desk.agent.email)) == 1


def test_an_email_asking_for_a_supervisor_escalates_once_and_is_logged_once(desk, now):
    from caredesk.escalations import tasks
    from caredesk.escalations.models import Escalation

    ticket = open_case(desk, now, Channel.EMAIL)
    message = Message.objects.get(ticket=ticket, kind=MessageKind.CUSTOMER)
    Message.objects.filter(pk=message.pk).update(body="I want to speak to a supervisor now.")
    run_twice(tasks.check_email_for_escalation, message.pk)
    run_twice(tasks.check_emails_for_escalation, [message.pk])
    assert Escalation.objects.filter(ticket=ticket).count() == 1
    verbs = list(AuditEvent.objects.filter(ticket=ticket).values_list("verb", flat=True))
    assert verbs.count("escalated") == 1 and "escalation_joined" not in verbs


def test_an_escalation_notice_is_mailed_once_per_notice(desk, now):
    from caredesk.escalations import tasks
    from caredesk.escalations.actions import do_escalate
    from caredesk.escalations.models import EscalationSource

    ticket = open_case(desk, now)
    with suppress_effects():
        escalation = do_escalate(
            ticket,
            actor=desk.agent,
            source=EscalationSource.AGENT,
            reason="The customer threatens to cancel.",
            now=now + timedelta(minutes=1),
        ).escalation
    owner = escalation.owner
    assert owner is not None
    run_twice(tasks.send_notice, "escalation", escalation.pk)
    assert len(mails_to(owner.email)) == 1
