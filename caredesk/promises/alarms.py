"""Reminders, misses, escalations and the honest update: each fired at most once.

Two triggers call :func:`fire`: a task scheduled for the promise's ``alarm_at`` and the
periodic :func:`sweep` (a range scan on the indexed ``alarm_at``). Every step is claimed
with a conditional UPDATE (``… WHERE reminded = false``, ``… WHERE state = 'open'``)
inside a transaction that holds the case and promise rows, so a worker restart, a retry,
or both triggers at once can never remind, escalate or write to the customer twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.template import Context, Template
from django.template.loader import render_to_string

from caredesk.core.clock import require_aware
from caredesk.core.effects import enqueue_after_commit
from caredesk.promises import engine, notices
from caredesk.promises.actions import _change_owner, lead_for
from caredesk.promises.models import (
    Promise,
    PromiseTemplate,
    State,
)
from caredesk.promises.wording import desk_zone, duration_words, when_words
from caredesk.tickets import audit
from caredesk.tickets.actions import do_post_system_reply
from caredesk.tickets.models import Ticket

SWEEP_BATCH = 500


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

    def __str__(self) -> str:
        return (
            f"{self.reminders} reminders, {self.misses} misses, {self.escalations} escalations, "
            f"{self.updates} customer updates, {self.handovers} hand-overs"
        )


def _claim(promise_id: int, **condition: object) -> bool:
    """Flip one flag if it still has its old value; True when this call flipped it."""
    (flag, old), *_ = condition.items()
    return Promise.objects.filter(pk=promise_id, **{flag: old}).update(**{flag: not old}) == 1


def fire(promise_id: int, now: datetime) -> Fired:
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
        engine.set_alarm(promise)
        engine.refresh_ticket(ticket.pk)
    return fired


def _remind(promise: Promise, now: datetime, fired: Fired) -> None:
    if (
        promise.state != State.OPEN
        or promise.reminded
        or promise.remind_at is None
        or promise.remind_at > now
        or promise.due_at <= now
        or not _claim(promise.pk, reminded=False)
    ):
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
    if promise.state != State.OPEN or promise.due_at > now:
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
    if (
        promise.state != State.MISSED
        or promise.escalated
        or not _claim(promise.pk, escalated=False)
    ):
        return
    promise.escalated = True
    fired.escalations += 1
    lead = lead_for(promise.owner, promise.ticket)
    promise.escalated_to = lead
    Promise.objects.filter(pk=promise.pk).update(escalated_to=lead)
    owner_name = promise.owner.display_name if promise.owner else "nobody"
    audit.record(
        promise.ticket,
        None,
        "promise_missed",
        now=now,
        field="promise",
        old={"promise": promise.text, "due": promise.due_at.isoformat(), "owner": owner_name},
        new={"state": State.MISSED, "escalated_to": lead.display_name if lead else None},
    )
    # The case itself escalates too: an owner and a decision deadline (P8), moving up a level
    # if nobody answers. One open escalation per case, so repeated misses join it.
    from caredesk.escalations.hooks import on_missed_promise

    on_missed_promise(promise.ticket, promise.text, now)
    ref = promise.ticket.reference
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


def render_update(promise: Promise, lead_name: str) -> str:
    """The honest update, from the admin's template if there is one, else the built-in."""
    zone = desk_zone(promise.team)
    due = promise.missed_due_at or promise.due_at
    context = {
        "promise_text": promise.text,
        "due_words": when_words(due, zone),
        "customer_name": promise.ticket.customer.name,
        "owner_name": promise.owner.display_name if promise.owner else "",
        "lead_name": lead_name,
        "reference": promise.ticket.reference,
        "next_step": (
            f"{lead_name}, who leads the team, now has your case in hand and will contact "
            "you as soon as possible."
            if lead_name
            else "Your case is now with the team lead, who will contact you as soon as possible."
        ),
    }
    custom = PromiseTemplate.objects.filter(name=PromiseTemplate.Name.MISSED_UPDATE).first()
    if custom is not None and custom.text.strip():
        source = "{% autoescape off %}" + custom.text + "{% endautoescape %}"
        text = Template(source).render(Context(context))
    else:
        text = render_to_string("promises/mail/missed_update.txt", context)
    return text.strip()[:20_000] or "We have not yet done what we promised you. We are on it."


def _update_customer(promise: Promise, now: datetime, fired: Fired) -> None:
    if (
        promise.state != State.MISSED
        or not promise.customer_visible
        or promise.customer_updated
        or promise.missed_at is None
        or promise.missed_at + engine.grace_period() > now
        or not _claim(promise.pk, customer_updated=False)
    ):
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
    body = render_update(promise, lead.display_name if lead else "")
    message = do_post_system_reply(promise.ticket, body=body, now=now)
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
    from caredesk.promises import tasks

    enqueue_after_commit(tasks.send_customer_update, message.pk)


def hand_over_away(now: datetime, limit: int = SWEEP_BATCH) -> int:
    """Open promises of people marked away that fall due within the reminder lead time
    go to their lead before they are missed."""
    horizon = now + engine.reminder_lead()
    ids = list(
        Promise.objects.filter(state=State.OPEN, due_at__lte=horizon, owner__is_away=True)
        .order_by("due_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    moved = 0
    for pk in ids:
        with transaction.atomic():
            ticket_id = Promise.objects.filter(pk=pk).values_list("ticket_id", flat=True).first()
            if ticket_id is None:
                continue
            ticket = (
                Ticket.objects.select_for_update(of=("self",))
                .select_related("team__lead")
                .get(pk=ticket_id)
            )
            promise = (
                Promise.objects.select_for_update(of=("self",))
                .select_related("owner", "team")
                .get(pk=pk)
            )
            promise.ticket = ticket
            owner = promise.owner
            if promise.state != State.OPEN or owner is None or not owner.is_away:
                continue  # re-checked under the lock
            lead = lead_for(owner, ticket)
            if lead is None or lead.is_away:
                continue
            _change_owner(
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
            moved += 1
    return moved


def due_ids(now: datetime, limit: int = SWEEP_BATCH) -> list[int]:
    return list(
        Promise.objects.filter(alarm_at__lte=now)
        .order_by("alarm_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )


def sweep(now: datetime, *, limit: int = SWEEP_BATCH, max_batches: int = 100) -> Fired:
    """Hand over, then fire everything due at ``now``: the safety net behind the tasks."""
    require_aware(now, "now")
    total = Fired()
    total.handovers = hand_over_away(now, limit)
    seen: set[int] = set()
    for _ in range(max_batches):
        ids = [pk for pk in due_ids(now, limit) if pk not in seen]
        if not ids:
            break
        for pk in ids:
            seen.add(pk)
            total.add(fire(pk, now))
    return total


def run_sweep(now: datetime) -> str:
    """The periodic job (``settings.CAREDESK_PERIODIC_JOBS``)."""
    return str(sweep(now))
