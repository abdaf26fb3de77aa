"""Background work for promises. Tasks take ids, re-check state and are idempotent."""

from __future__ import annotations

from django.db import transaction
from django_tasks import task

from caredesk.core import clock, once
from caredesk.core.models import OutboundEmail
from caredesk.core.outbox import send_mail
from caredesk.promises import alarms
from caredesk.tickets.models import Message, MessageKind
from caredesk.tickets.tasks import REPLY_MAILED


@task()
def fire_promise_alarm(promise_id: int) -> None:
    """Scheduled for the promise's ``alarm_at``; the sweep covers it if this never runs."""
    alarms.fire(promise_id, clock.now())


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
