"""Background work for promises. Tasks take ids, re-check state and are idempotent.

Alarms are not fired here: ``Promise.alarm_at`` is the ``promise.alarm`` deadline
(``CAREDESK_DEADLINES``), scheduled and swept by :mod:`caredesk.core.deadlines`, which
calls :func:`caredesk.promises.actions.do_fire_promise_alarm`. :func:`hand_over_away` is
a job of the worker's every-minute heartbeat (``CAREDESK_PERIODIC_JOBS``). Tasks call the
promise actions, and the actions enqueue these tasks: the one import cycle allowed,
inside one app, as module imports.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction

from caredesk.core import clock, once
from caredesk.core.background import task
from caredesk.core.clock import require_aware
from caredesk.core.models import OutboundEmail
from caredesk.core.outbox import send_mail
from caredesk.promises import actions, alarms
from caredesk.tickets.models import Message, MessageKind
from caredesk.tickets.tasks import REPLY_MAILED


def hand_over_away(now: datetime, limit: int = alarms.SWEEP_BATCH) -> str | None:
    """Open promises of people marked away that fall due within the reminder lead time
    go to their lead before they are missed. A heartbeat job of its own (every minute,
    before the deadline sweep): it is not a deadline of the row, since whether it is due
    depends on the owner's away flag."""
    require_aware(now, "now")
    moved = sum(actions.do_hand_over_promise(pk, now) for pk in alarms.away_due_ids(now, limit))
    return f"{moved} hand-overs" if moved else None


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
