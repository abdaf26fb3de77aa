"""Background work for promises. Tasks take ids, re-check state and are idempotent.

Alarms have two triggers: :func:`fire_promise_alarm`, enqueued for the promise's
``alarm_at``, and :func:`run_sweep`, a job of the worker's every-minute heartbeat
(``CAREDESK_PERIODIC_JOBS``). Tasks call the promise actions, and the actions enqueue
these tasks: the one import cycle allowed, inside one app, as module imports.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django_tasks import task

from caredesk.core import clock, once
from caredesk.core.clock import require_aware
from caredesk.core.models import OutboundEmail
from caredesk.core.outbox import send_mail
from caredesk.promises import actions, alarms
from caredesk.tickets.models import Message, MessageKind
from caredesk.tickets.tasks import REPLY_MAILED


@task()
def fire_promise_alarm(promise_id: int) -> None:
    """Scheduled for the promise's ``alarm_at``; the sweep covers it if this never runs."""
    actions.do_fire_promise_alarm(promise_id, clock.now())


def hand_over_away(now: datetime, limit: int = alarms.SWEEP_BATCH) -> int:
    """Open promises of people marked away that fall due within the reminder lead time
    go to their lead before they are missed."""
    return sum(actions.do_hand_over_promise(pk, now) for pk in alarms.away_due_ids(now, limit))


def sweep(
    now: datetime, *, limit: int = alarms.SWEEP_BATCH, max_batches: int = 100
) -> actions.Fired:
    """Hand over, then fire everything due at ``now``: the safety net behind the tasks."""
    require_aware(now, "now")
    total = actions.Fired()
    total.handovers = hand_over_away(now, limit)
    seen: set[int] = set()
    for _ in range(max_batches):
        ids = [pk for pk in alarms.due_ids(now, limit) if pk not in seen]
        if not ids:
            break
        for pk in ids:
            seen.add(pk)
            total.add(actions.do_fire_promise_alarm(pk, now))
    return total


def run_sweep(now: datetime) -> str:
    """The periodic job (``settings.CAREDESK_PERIODIC_JOBS``)."""
    return str(sweep(now))


@task()
def send_customer_update(message_id: int) -> None:
    """Mail the honest update (already on the case as a public message) to the customer,
    once: the key is that of any reply mailed to the customer."""
    message = (
        Message.objects.select_related("ticket__customer")
        .filter(pk=message_id, kind=MessageKind.REPLY)
        .first()
    )
    if message is None:
        return
    ticket = message.ticket
    now = clock.now()
    with transaction.atomic():
        if not once.claim(REPLY_MAILED.format(message.pk), now):
            return
        send_mail(
            "reply",
            ticket.customer.primary_email,
            {"ticket": ticket, "message": message},
            now=now,
            kind=OutboundEmail.Kind.REPLY,
            auto=True,
            case_id=ticket.pk,
            message_id=message.pk,
            thread=True,
        )
