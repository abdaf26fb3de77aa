"""Promises over time, with an injected clock: remind, miss, escalate, update the customer,
hand over when away, renegotiate, keep by callback, reply and resolve — and nothing
fires twice when the sweep and the scheduled task both run, or run again after a restart."""

from __future__ import annotations

from datetime import timedelta

import pytest

from caredesk.channels.phone.actions import do_log_call
from caredesk.core import deadlines
from caredesk.core.errors import DomainError, PermissionDenied
from caredesk.core.models import Notification, OutboundEmail
from caredesk.promises.actions import (
    PromiseDraft,
    do_cancel_promise,
    do_keep_promise,
    do_reassign_promise,
    do_renegotiate_promise,
    do_reply_with_promise,
)
from caredesk.promises.models import PromiseChange, PromiseTemplate, State
from caredesk.promises.notices import NoticeKind
from caredesk.tickets import actions
from caredesk.tickets.models import AuditEvent, Message, MessageKind, Status, Ticket

from .conftest import later, promise, sweep


def notices(user, kind):
    return list(Notification.objects.filter(recipient_id=user.pk, kind=kind))


def customer_updates(ticket):
    return list(Message.objects.filter(ticket=ticket, kind=MessageKind.REPLY, author_user=None))


def run_everything_twice(promise_id, at, frozen):
    """Both triggers, twice each: the periodic sweep and the scheduled task (a restart)."""
    frozen.set(at)
    for _ in range(2):
        sweep(at)
        deadlines.fire_deadlines.call("promise.alarm", [promise_id])


def test_reminder_fires_once_before_due(desk, case, now, frozen):
    p = promise(case, desk.agent, now, hours=3)
    assert p.remind_at == now + timedelta(hours=2)
    assert sweep(later(now, minutes=119)).reminders == 0
    run_everything_twice(p.pk, later(now, minutes=121), frozen)
    reminders = notices(desk.agent, NoticeKind.REMINDER)
    assert len(reminders) == 1
    assert "due in 59 minutes" in reminders[0].body
    p.refresh_from_db()
    assert p.state == State.OPEN and p.reminded and p.alarm_at == p.due_at
    # The reminder also reached the owner by mail, once.
    assert (
        OutboundEmail.objects.filter(to="ada@desk.test", subject__contains="due soon").count() == 1
    )


def test_promise_made_inside_the_lead_time_gets_no_reminder(desk, case, now):
    p = promise(case, desk.agent, now, hours=0.5)
    assert p.remind_at is None and p.reminded and p.alarm_at == p.due_at


def test_miss_escalates_to_the_lead_then_the_customer_gets_an_honest_update(
    desk, case, now, frozen
):
    p = promise(case, desk.agent, now, hours=3, text="Call back about the refund")
    due = p.due_at
    run_everything_twice(p.pk, due + timedelta(minutes=1), frozen)
    p.refresh_from_db()
    assert p.state == State.MISSED and p.escalated and p.escalated_to == desk.lead
    assert p.missed_due_at == due and p.miss_count == 1
    assert len(notices(desk.lead, NoticeKind.ESCALATED)) == 1
    assert len(notices(desk.agent, NoticeKind.MISSED)) == 1
    assert AuditEvent.objects.filter(ticket=case, verb="promise_missed").count() == 1
    # Within the grace period the customer hears nothing automatic yet.
    assert customer_updates(case) == []

    run_everything_twice(p.pk, due + timedelta(minutes=31), frozen)
    updates = customer_updates(case)
    assert len(updates) == 1
    body = updates[0].body
    assert "We promised you: Call back about the refund" in body
    assert "We have not done it yet" in body
    assert "Lena Lead" in body  # what happens next: the lead has it
    mails = OutboundEmail.objects.filter(to="alice@acme.test", message_id=updates[0].pk)
    assert mails.count() == 1
    assert mails[0].headers.get("Auto-Submitted") == "auto-generated"
    p.refresh_from_db()
    assert p.customer_updated and p.alarm_at is None
    case.refresh_from_db()
    assert case.next_promise_due_at == due  # still to keep: the inbox shows it overdue


def test_admin_template_words_the_update(desk, case, now, frozen):
    PromiseTemplate.objects.create(
        name=PromiseTemplate.Name.MISSED_UPDATE,
        text="Sorry {{ customer_name }}: {{ promise_text }} was due {{ due_words }}. {{ next_step }}",
    )
    p = promise(case, desk.agent, now, hours=1, text="Send the label")
    run_everything_twice(p.pk, p.due_at + timedelta(hours=1), frozen)
    # The lead's grace period runs from the escalation, not from the due time.
    assert customer_updates(case) == []
    run_everything_twice(p.pk, p.due_at + timedelta(hours=1, minutes=31), frozen)
    (update,) = customer_updates(case)
    assert update.body.startswith("Sorry Alice Acme: Send the label was due")


def test_lead_taking_over_within_the_grace_period_stops_the_automatic_update(
    desk, case, now, frozen
):
    p = promise(case, desk.agent, now, hours=1)
    run_everything_twice(p.pk, p.due_at + timedelta(minutes=5), frozen)
    do_reassign_promise(p, actor=desk.lead, owner=desk.lead, now=p.due_at + timedelta(minutes=10))
    run_everything_twice(p.pk, p.due_at + timedelta(hours=2), frozen)
    assert customer_updates(case) == []
    assert AuditEvent.objects.filter(ticket=case, verb="promise_update_skipped").count() == 1
    p.refresh_from_db()
    assert p.owner == desk.lead and p.state == State.MISSED


def test_internal_promise_miss_escalates_but_sends_the_customer_nothing(desk, case, now, frozen):
    p = promise(case, desk.agent, now, hours=1, customer_visible=False)
    run_everything_twice(p.pk, p.due_at + timedelta(hours=3), frozen)
    p.refresh_from_db()
    assert p.state == State.MISSED and p.escalated
    assert customer_updates(case) == []


def test_away_owner_hands_promises_to_the_lead_before_they_fall_due(desk, case, now, frozen):
    soon = promise(case, desk.agent, now, hours=0.75)
    far = promise(case, desk.agent, now, hours=30, kind="update")
    desk.agent.is_away = True
    desk.agent.save()
    for _ in range(2):
        fired = sweep(later(now, minutes=1))
    assert fired.handovers == 0  # the second sweep finds nothing left to hand over
    soon.refresh_from_db()
    far.refresh_from_db()
    assert soon.owner == desk.lead and soon.state == State.OPEN
    assert far.owner == desk.agent  # not due within the lead time yet
    change = PromiseChange.objects.get(promise=soon)
    assert change.old_owner == desk.agent and change.new_owner == desk.lead and change.actor is None
    assert len(notices(desk.lead, NoticeKind.HANDED_OVER)) == 1
    assert AuditEvent.objects.filter(ticket=case, verb="promise_handed_over").count() == 1


def test_renegotiation_tells_the_customer_and_records_old_and_new(desk, case, now):
    p = promise(case, desk.agent, now, hours=3, kind="update", text="Update on the courier claim")
    old_due = p.due_at
    new_due = now + timedelta(days=2)
    with pytest.raises(DomainError) as refused:
        do_renegotiate_promise(p, actor=desk.agent, new_due=new_due, message="  ", now=now)
    assert refused.value.code == "message_required"
    change = do_renegotiate_promise(
        p,
        actor=desk.agent,
        new_due=new_due,
        message="The courier needs two more days to answer.",
        now=later(now, minutes=5),
    )
    assert change.old_due_at == old_due and change.new_due_at == new_due
    reply = change.message
    assert reply.kind == MessageKind.REPLY
    assert "The courier needs two more days" in reply.body
    assert "Wednesday 25 November 2026 at 09:30" in reply.body  # the new time, in words
    assert "We had said Monday 23 November 2026 at 12:30" in reply.body
    p.refresh_from_db()
    # The renegotiation reply itself does not count as the promised update.
    assert p.state == State.OPEN and p.due_at == new_due and p.renegotiations == 1
    event = AuditEvent.objects.get(ticket=case, verb="promise_renegotiated")
    assert event.public and event.old_value["due"] == old_due.isoformat()
    assert OutboundEmail.objects.filter(message_id=reply.pk, to="alice@acme.test").count() == 1


def test_renegotiating_a_missed_promise_still_counts_the_miss(desk, case, now, frozen):
    p = promise(case, desk.agent, now, hours=1, kind="fix")
    run_everything_twice(p.pk, p.due_at + timedelta(minutes=5), frozen)
    at = p.due_at + timedelta(minutes=10)
    do_renegotiate_promise(
        p, actor=desk.agent, new_due=at + timedelta(hours=4), message="Sorry, by 4pm.", now=at
    )
    p.refresh_from_db()
    assert p.state == State.OPEN and p.miss_count == 1 and not p.escalated
    actions.do_change_status(
        case, actor=desk.agent, status=Status.RESOLVED, now=at + timedelta(hours=1)
    )
    p.refresh_from_db()
    assert p.state == State.KEPT_LATE and p.kept_how == "resolved"


def test_callback_promise_is_kept_by_logging_the_call(desk, case, now):
    p = promise(case, desk.agent, now, hours=3)
    call = do_log_call(
        case,
        agent=desk.agent,
        direction="outbound",
        number="+49 30 1234567",
        duration_seconds=312,
        outcome="reached",
        notes="Explained the courier's answer.",
        now=later(now, hours=1),
    )
    p.refresh_from_db()
    assert p.state == State.KEPT and p.kept_how == "call" and p.kept_by == desk.agent
    assert call.kept_promise == p
    case.refresh_from_db()
    assert case.next_promise_due_at is None
    event = AuditEvent.objects.get(ticket=case, verb="promise_kept")
    assert event.public


def test_wrong_number_does_not_keep_a_callback(desk, case, now):
    p = promise(case, desk.agent, now, hours=3)
    do_log_call(
        case,
        agent=desk.agent,
        direction="outbound",
        number="0301234",
        duration_seconds=5,
        outcome="wrong_number",
        notes="",
        now=now,
    )
    p.refresh_from_db()
    assert p.state == State.OPEN


def test_call_after_due_is_kept_late(desk, case, now):
    p = promise(case, desk.agent, now, hours=1)
    do_log_call(
        case,
        agent=desk.agent,
        direction="outbound",
        number="",
        duration_seconds=60,
        outcome="voicemail",
        notes="",
        now=later(now, hours=2),
    )
    p.refresh_from_db()
    assert p.state == State.KEPT_LATE and p.missed_due_at == p.due_at and p.miss_count == 1


def test_update_promise_kept_by_a_public_reply_and_fix_by_resolving(desk, case, now):
    update = promise(case, desk.agent, now, kind="update", hours=5)
    fix = promise(case, desk.agent, now, kind="fix", hours=24)
    actions.do_reply(case, agent=desk.agent, body="Here is the update.", now=later(now, hours=1))
    update.refresh_from_db()
    fix.refresh_from_db()
    assert update.state == State.KEPT and update.kept_how == "reply"
    assert fix.state == State.OPEN
    actions.do_change_status(
        case, actor=desk.agent, status=Status.RESOLVED, now=later(now, hours=2)
    )
    fix.refresh_from_db()
    assert fix.state == State.KEPT and fix.kept_how == "resolved"


def test_reply_with_a_promise_states_it_in_words_and_is_one_transaction(desk, case, now):
    draft = PromiseDraft(
        kind="callback", text="Call about the refund", due_at=now + timedelta(hours=6)
    )
    message, p = do_reply_with_promise(
        case, agent=desk.agent, body="I'll call you this afternoon.", draft=draft, now=now
    )
    assert (
        "Our promise: we will call you back by Monday 23 November 2026 at 15:30 (UTC)"
        in message.body
    )
    assert p.state == State.OPEN and p.owner == desk.agent
    sent = OutboundEmail.objects.get(message_id=message.pk)
    assert "we will call you back by Monday 23 November 2026 at 15:30" in sent.text
    # A refused promise sends no reply at all.
    before = Message.objects.count()
    bad = PromiseDraft(kind="callback", text="x", due_at=now - timedelta(hours=1))
    with pytest.raises(DomainError):
        do_reply_with_promise(case, agent=desk.agent, body="Calling later", draft=bad, now=now)
    assert Message.objects.count() == before


def test_mark_kept_needs_a_note_and_the_owner_or_a_lead(desk, case, now):
    p = promise(case, desk.agent, now)
    with pytest.raises(DomainError):
        do_keep_promise(p, actor=desk.agent, note="   ", now=now)
    with pytest.raises(PermissionDenied):
        do_keep_promise(
            p,
            actor=desk.manager.__class__.objects.get(pk=desk.other_agent.pk),
            note="done",
            now=now,
        )
    do_keep_promise(
        p, actor=desk.lead, note="Customer confirmed by chat.", now=later(now, minutes=5)
    )
    p.refresh_from_db()
    assert p.state == State.KEPT and p.kept_note == "Customer confirmed by chat."
    with pytest.raises(DomainError) as again:
        do_keep_promise(p, actor=desk.lead, note="twice", now=later(now, minutes=6))
    assert again.value.code == "promise_settled"


def test_cancelled_promise_stops_its_alarms(desk, case, now, frozen):
    p = promise(case, desk.agent, now, hours=1)
    do_cancel_promise(p, actor=desk.agent, note="Customer sorted it out themselves.", now=now)
    run_everything_twice(p.pk, p.due_at + timedelta(hours=1), frozen)
    p.refresh_from_db()
    assert p.state == State.CANCELLED and not p.escalated
    assert Ticket.objects.get(pk=case.pk).next_promise_due_at is None


def test_case_row_carries_the_nearest_pending_promise(desk, case, now):
    first = promise(case, desk.agent, now, hours=5)
    promise(case, desk.agent, now, hours=2, kind="update")
    case.refresh_from_db()
    assert case.next_promise_due_at == now + timedelta(hours=2)
    actions.do_reply(case, agent=desk.agent, body="Update: on its way.", now=later(now, minutes=1))
    case.refresh_from_db()
    assert case.next_promise_due_at == first.due_at
