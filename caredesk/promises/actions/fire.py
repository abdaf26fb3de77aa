"""What the promise alarms do: remind, record the miss, escalate, tell the customer, and
hand an away owner's promise to their lead. Each step at most once.

:mod:`caredesk.promises.alarms` says what is due; these actions do it, each step claimed
with a conditional UPDATE inside a transaction that holds the case and promise rows.
``Promise.alarm_at`` is the ``promise.alarm`` deadline: the deadline task and the minute
sweep (:mod:`caredesk.core.deadlines`) call :func:`do_fire_promise_alarm`; the hand-over
job (:func:`caredesk.promises.tasks.hand_over_away`) calls :func:`do_hand_over_promise`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction

from caredesk.accounts.models import User
from caredesk.core.clock import require_aware
from caredesk.core.effects import enqueue_after_commit
from caredesk.promises import alarms, engine, notices, tasks
from caredesk.promises.actions.common import change_owner, lead_for, refresh_ticket, set_alarm
from caredesk.promises.models import Promise, State
from caredesk.promises.wording import duration_words
from caredesk.tickets import actions as ticket_actions
from caredesk.tickets import audit
from caredesk.tickets.models import Ticket


@dataclass
class Fired:
    reminders: int = 0
    misses: int = 0
    escalations: int = 0
    updates: int = 0
    handovers: int = 0

    def add(self, other: Fired) -> None:
        for name in ("reminders", "misses", "escalations", "updates", "handovers"):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def __bool__(self) -> bool:  # the deadline sweep counts the promises that acted
        return any((self.reminders, self.misses, self.escalations, self.updates, self.handovers))

    def __str__(self) -> str:
        return (
            f"{self.reminders} reminders, {self.misses} misses, {self.escalations} escalations, "
            f"{self.updates} customer updates, {self.handovers} hand-overs"
        )


def _claim(promise_id: int, **condition: object) -> bool:
    """Flip one flag if it still has its old value; True when this call flipped it."""
    (flag, old), *_ = condition.items()
    return Promise.objects.filter(pk=promise_id, **{flag: old}).update(**{flag: not old}) == 1


def do_fire_promise_alarm(promise_id: int, now: datetime) -> Fired:
    """Do whatever is due on this promise at ``now`` and not done yet."""
    require_aware(now, "now")
    fired = Fired()
    with transaction.atomic():
        ticket_id = (
            Promise.objects.filter(pk=promise_id).values_list("ticket_id", flat=True).first()
        )
        if ticket_id is None:
            return fired
        ticket = (
            Ticket.objects.select_for_update(of=("self",))
            .select_related("team__lead", "customer")
            .get(pk=ticket_id)
        )
        promise = (
            Promise.objects.select_for_update(of=("self",))
            .select_related("owner", "team")
            .get(pk=promise_id)
        )
        promise.ticket = ticket
        _remind(promise, now, fired)
        _miss(promise, now, fired)
        _escalate(promise, now, fired)
        _update_customer(promise, now, fired)
        set_alarm(promise)
        refresh_ticket(ticket.pk)
    return fired


def _remind(promise: Promise, now: datetime, fired: Fired) -> None:
    if not alarms.remind_due(promise, now) or not _claim(promise.pk, reminded=False):
        return
    promise.reminded = True
    fired.reminders += 1
    left = duration_words((promise.due_at - now).total_seconds())
    audit.record(
        promise.ticket,
        None,
        "promise_reminder",
        now=now,
        field="promise",
        new={"promise": promise.text, "due": promise.due_at.isoformat()},
    )
    notices.notify(
        promise.owner,
        promise,
        notices.NoticeKind.REMINDER,
        f"{promise.ticket.reference}: due in {left} — {promise.text}",
        now,
    )


def _miss(promise: Promise, now: datetime, fired: Fired) -> None:
    if not alarms.miss_due(promise, now):
        return
    first_miss = promise.missed_due_at is None
    claimed = Promise.objects.filter(pk=promise.pk, state=State.OPEN).update(
        state=State.MISSED, missed_at=now, reminded=True
    )
    if claimed != 1:
        return
    promise.state, promise.missed_at, promise.reminded = State.MISSED, now, True
    promise.miss_count += 1
    if first_miss:
        promise.missed_due_at = promise.due_at
        promise.settled_at = promise.due_at
    Promise.objects.filter(pk=promise.pk).update(
        miss_count=promise.miss_count,
        missed_due_at=promise.missed_due_at,
        settled_at=promise.settled_at,
    )
    fired.misses += 1


def _escalate(promise: Promise, now: datetime, fired: Fired) -> None:
    if not alarms.escalation_due(promise) or not _claim(promise.pk, escalated=False):
        return
    promise.escalated = True
    fired.escalations += 1
    lead = lead_for(promise.owner, promise.ticket)
    promise.escalated_to = lead
    Promise.objects.filter(pk=promise.pk).update(escalated_to=lead)
    owner_name = promise.owner.display_name if promise.owner else "nobody"
    # The case itself escalates too (an owner and a decision deadline, P8, moving up a
    # level if nobody answers): the escalations app reacts to this ``promise.missed``
    # event. One open escalation per case, so repeated misses join it.
    audit.record(
        promise.ticket,
        None,
        "promise_missed",
        now=now,
        field="promise",
        old={"promise": promise.text, "due": promise.due_at.isoformat(), "owner": owner_name},
        new={"state": State.MISSED, "escalated_to": lead.display_name if lead else None},
    )
    ref = promise.ticket.reference
    if not _lead_told_recently(promise, lead, now):
        # One notice per owner and window: the lead's escalation lists the rest.
        notices.notify(
            lead,
            promise,
            notices.NoticeKind.ESCALATED,
            f"{ref}: {owner_name} missed a promise — {promise.text}. Take it over or it is "
            f"explained to the customer in {duration_words(engine.grace_period().total_seconds())}",
            now,
        )
    if promise.owner is not None and promise.owner != lead:
        notices.notify(
            promise.owner,
            promise,
            notices.NoticeKind.MISSED,
            f"{ref}: your promise was missed — {promise.text}",
            now,
        )


def _lead_told_recently(promise: Promise, lead: User | None, now: datetime) -> bool:
    """Another miss of the same owner reached this lead within the grouping window."""
    window = engine.group_window()
    if lead is None or promise.owner_id is None or not window:
        return False
    return (
        Promise.objects.filter(
            escalated=True,
            escalated_to=lead,
            owner_id=promise.owner_id,
            missed_at__gte=now - window,
            missed_at__lte=now,
        )
        .exclude(pk=promise.pk)
        .exists()
    )


def _update_customer(promise: Promise, now: datetime, fired: Fired) -> None:
    if not alarms.update_due(promise, now) or not _claim(promise.pk, customer_updated=False):
        return
    promise.customer_updated = True
    if promise.taken_over_at is not None:
        audit.record(
            promise.ticket,
            None,
            "promise_update_skipped",
            now=now,
            field="promise",
            new={"promise": promise.text, "reason": "a lead took the promise over"},
        )
        return
    lead = promise.escalated_to or lead_for(promise.owner, promise.ticket)
    body = alarms.render_update(promise, lead.display_name if lead else "")
    message = ticket_actions.do_post_system_reply(promise.ticket, body=body, now=now)
    fired.updates += 1
    audit.record(
        promise.ticket,
        None,
        "promise_update_sent",
        now=now,
        field="promise",
        new={"promise": promise.text, "message": message.pk},
        note=f"We told you we have not yet kept our promise: {promise.text}",
        public=True,
    )
    enqueue_after_commit(tasks.send_customer_update, message.pk)


def do_hand_over_promise(promise_id: int, now: datetime) -> bool:
    """An open promise of someone marked away, falling due soon, goes to their lead (if
    the lead is not away too). Re-checked under the lock; True when it moved."""
    require_aware(now, "now")
    with transaction.atomic():
        ticket_id = (
            Promise.objects.filter(pk=promise_id).values_list("ticket_id", flat=True).first()
        )
        if ticket_id is None:
            return False
        ticket = (
            Ticket.objects.select_for_update(of=("self",))
            .select_related("team__lead")
            .get(pk=ticket_id)
        )
        promise = (
            Promise.objects.select_for_update(of=("self",))
            .select_related("owner", "team")
            .get(pk=promise_id)
        )
        promise.ticket = ticket
        owner = promise.owner
        if promise.state != State.OPEN or owner is None or not owner.is_away:
            return False
        lead = lead_for(owner, ticket)
        if lead is None or lead.is_away:
            return False
        change_owner(
            promise,
            actor=None,
            owner=lead,
            now=now,
            reason=f"{owner.display_name} is away; handed to their lead before it falls due.",
            verb="promise_handed_over",
        )
        notices.notify(
            lead,
            promise,
            notices.NoticeKind.HANDED_OVER,
            f"{ticket.reference}: {owner.display_name} is away — their promise is yours now: "
            f"{promise.text}",
            now,
        )
        return True
