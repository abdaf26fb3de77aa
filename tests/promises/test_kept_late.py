"""A promise missed and then kept within the lead's grace period tells the customer it
was late (issue 15, finding 3): once, on the case, by mail, in the admin's wording."""

from __future__ import annotations

from datetime import timedelta

from caredesk.channels.phone.actions import do_log_call
from caredesk.core import deadlines
from caredesk.core.models import OutboundEmail
from caredesk.promises.models import PromiseTemplate, State
from caredesk.tickets import actions
from caredesk.tickets.models import AuditEvent, Message, MessageKind

from .conftest import promise, sweep


def customer_updates(ticket):
    return list(Message.objects.filter(ticket=ticket, kind=MessageKind.REPLY, author_user=None))


def call(ticket, agent, at):
    return do_log_call(
        ticket,
        agent=agent,
        direction="outbound",
        number="+49 30 1234567",
        duration_seconds=240,
        outcome="reached",
        notes="Gave the courier's answer.",
        now=at,
    )


def test_kept_within_the_grace_period_tells_the_customer_it_was_late_once(desk, case, now, frozen):
    p = promise(case, desk.agent, now, hours=2, text="Call back with the courier's answer")
    due = p.due_at
    frozen.set(due + timedelta(minutes=1))
    sweep(due + timedelta(minutes=1))  # missed, escalated to the lead
    p.refresh_from_db()
    assert p.state == State.MISSED and p.escalated and not p.customer_updated
    assert customer_updates(case) == []

    call(case, desk.agent, due + timedelta(minutes=12))  # kept, inside the 30-minute grace
    p.refresh_from_db()
    assert p.state == State.KEPT_LATE and p.customer_updated
    (notice,) = customer_updates(case)
    assert "We promised you: Call back with the courier's answer" in notice.body
    assert "12 minutes later than we said" in notice.body
    # On the case timeline, public, and mailed to the customer once.
    event = AuditEvent.objects.get(ticket=case, verb="promise_kept_late_notice_sent")
    assert event.public and event.new_value["message"] == notice.pk
    assert OutboundEmail.objects.filter(to="alice@acme.test", message_id=notice.pk).count() == 1

    # Neither the grace period's end nor the sweep running again adds a second message.
    for at in (due + timedelta(minutes=31), due + timedelta(hours=3)):
        frozen.set(at)
        sweep(at)
        deadlines.fire_deadlines.call("promise.alarm", [p.pk])
    assert len(customer_updates(case)) == 1
    assert AuditEvent.objects.filter(ticket=case, verb="promise_update_sent").count() == 0


def test_kept_late_before_the_sweep_noticed_also_tells_the_customer(desk, case, now):
    p = promise(case, desk.agent, now, hours=1)
    call(case, desk.agent, p.due_at + timedelta(minutes=3))
    p.refresh_from_db()
    assert p.state == State.KEPT_LATE and p.miss_count == 1
    assert len(customer_updates(case)) == 1


def test_kept_on_time_or_after_the_honest_update_sends_no_late_notice(desk, case, now, frozen):
    on_time = promise(case, desk.agent, now, hours=3)
    call(case, desk.agent, now + timedelta(hours=1))
    on_time.refresh_from_db()
    assert on_time.state == State.KEPT
    assert customer_updates(case) == []

    late = promise(case, desk.agent, now, kind="fix", hours=1, text="Fix the invoice")
    at = late.due_at + timedelta(minutes=31)
    frozen.set(at)
    sweep(late.due_at + timedelta(minutes=1))
    sweep(at)  # the honest update already told the customer
    assert len(customer_updates(case)) == 1
    actions.do_change_status(case, actor=desk.agent, status="resolved", now=at)
    late.refresh_from_db()
    assert late.state == State.KEPT_LATE
    assert len(customer_updates(case)) == 1


def test_internal_promise_kept_late_tells_the_customer_nothing(desk, case, now):
    p = promise(case, desk.agent, now, hours=1, customer_visible=False)
    call(case, desk.agent, p.due_at + timedelta(minutes=5))
    p.refresh_from_db()
    assert p.state == State.KEPT_LATE
    assert customer_updates(case) == []


def test_admin_template_words_the_kept_late_notice(desk, case, now):
    PromiseTemplate.objects.create(
        name=PromiseTemplate.Name.KEPT_LATE,
        text="Hello {{ customer_name }}, {{ promise_text }} came {{ late_words }} late.",
    )
    p = promise(case, desk.agent, now, hours=1, text="Call about the label")
    call(case, desk.agent, p.due_at + timedelta(minutes=20))
    (notice,) = customer_updates(case)
    assert notice.body == "Hello Alice Acme, Call about the label came 20 minutes late."


def test_the_late_notice_can_be_turned_off(desk, case, now, settings):
    settings.CAREDESK_PROMISE_KEPT_LATE_NOTICE = False
    p = promise(case, desk.agent, now, hours=1)
    call(case, desk.agent, p.due_at + timedelta(minutes=5))
    assert customer_updates(case) == []


def test_the_late_notice_does_not_keep_another_update_promise(desk, case, now):
    callback = promise(case, desk.agent, now, hours=1)
    update = promise(case, desk.agent, now, kind="update", hours=5, text="Send the new date")
    call(case, desk.agent, callback.due_at + timedelta(minutes=5))
    update.refresh_from_db()
    assert update.state == State.OPEN


def test_the_honest_update_of_a_miss_does_not_keep_another_update_promise(desk, case, now, frozen):
    missed = promise(case, desk.agent, now, kind="fix", hours=1, text="Fix the invoice")
    update = promise(case, desk.agent, now, kind="update", hours=8, text="Send the new date")
    at = missed.due_at + timedelta(minutes=31)  # past the grace: the customer is told
    frozen.set(at)
    sweep(missed.due_at + timedelta(minutes=1))
    sweep(at)
    assert AuditEvent.objects.filter(ticket=case, verb="promise_update_sent").count() == 1
    update.refresh_from_db()
    assert update.state == State.OPEN  # "we have not kept our promise" is not the update
