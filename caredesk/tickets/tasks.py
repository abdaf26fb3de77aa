"""Background work for cases. Tasks take ids, re-check state, and are safe to run twice:
each mail is claimed under a key (caredesk.core.once) in the transaction that queues it."""

from __future__ import annotations

import logging

from django.db import transaction
from django_tasks import TaskContext

from caredesk.accounts.models import User
from caredesk.core import once
from caredesk.core.background import task
from caredesk.core.clock import now as clock_now
from caredesk.core.outbox import send_mail
from caredesk.tickets.models import Message, MessageKind, Ticket

log = logging.getLogger(__name__)


def _send(
    name: str,
    to: str,
    context: dict[str, object],
    *,
    auto: bool,
    once_key: str,
    kind: str = "notify",
    ticket: Ticket | None = None,
    message: Message | None = None,
    cc: list[str] | None = None,
    bcc: list[str] | None = None,
) -> None:
    """Put the mail in the outbox (core; the worker delivers it with retries), unless a
    run before this one already did: ``once_key`` names the mail."""
    if not to:
        return
    now = clock_now()
    with transaction.atomic():
        if not once.claim(once_key, now):
            return
        send_mail(
            name,
            to,
            context,
            now=now,
            kind=kind,
            auto=auto,
            case_id=ticket.pk if ticket is not None else None,
            message_id=message.pk if message is not None else None,
            thread=ticket is not None,
            cc=cc or (),
            bcc=bcc or (),
        )


# Cases opened here get an acknowledgement mail from this task; email sends its own
# (capped per sender) from the email channel.
ACKNOWLEDGED_CHANNELS = ("portal", "api")
# The effect key of a case's acknowledgement, whichever channel sends it.
ACKNOWLEDGED = "case-acknowledged:{}"


@task()
def acknowledge_new_ticket(ticket_id: int) -> None:
    ticket = Ticket.objects.select_related("customer").filter(pk=ticket_id).first()
    if ticket is None or ticket.channel not in ACKNOWLEDGED_CHANNELS:
        return
    _send(
        "acknowledgement",
        ticket.customer.primary_email,
        {"ticket": ticket},
        auto=True,
        once_key=ACKNOWLEDGED.format(ticket.pk),
        kind="ack",
        ticket=ticket,
    )


# A reply goes to the customer once, whichever task mails it.
REPLY_MAILED = "reply-mailed:{}"


@task()
def send_reply_to_customer(message_id: int) -> None:
    message = (
        Message.objects.select_related("ticket__customer", "author_user")
        .filter(pk=message_id, kind=MessageKind.REPLY)
        .first()
    )
    if message is None:
        return
    ticket = message.ticket
    _send(
        "reply",
        ticket.customer.primary_email,
        {"ticket": ticket, "message": message},
        auto=False,
        once_key=REPLY_MAILED.format(message.pk),
        kind="reply",
        ticket=ticket,
        message=message,
        cc=list(message.cc or []),
        bcc=list(message.bcc or []),
    )


@task()
def notify_assignee_of_customer_message(message_id: int) -> None:
    message = (
        Message.objects.select_related("ticket__assignee", "ticket__customer")
        .filter(pk=message_id)
        .first()
    )
    if message is None or message.ticket.assignee is None:
        return
    ticket = message.ticket
    assignee = message.ticket.assignee
    _send(
        "customer_wrote",
        assignee.email,
        {"ticket": ticket, "message": message, "recipient_language": assignee.language},
        auto=True,
        once_key=f"assignee-told-of-message:{message.pk}",
    )


@task(takes_context=True)
def notify_new_assignee(
    context: TaskContext, ticket_id: int, assignee_id: int, handoff_note: str
) -> None:
    """Once per hand-over: a case handed to the same agent again is a new task (and mail),
    a re-run of this one is not."""
    ticket = Ticket.objects.select_related("customer").filter(pk=ticket_id).first()
    assignee = User.objects.filter(pk=assignee_id, is_active=True).first()
    if ticket is None or assignee is None or ticket.assignee_id != assignee.pk:
        return
    _send(
        "handoff",
        assignee.email,
        {
            "ticket": ticket,
            "note": handoff_note,
            "assignee": assignee,
            "recipient_language": assignee.language,
        },
        auto=True,
        once_key=once.task_key(context, "handoff-mailed"),
    )


@task()
def tell_customer_of_merge(source_id: int) -> None:
    """The notice to the customer of a case merged into another (once per merge)."""
    source = (
        Ticket.objects.select_related("customer", "merged_into")
        .filter(pk=source_id, status="merged")
        .first()
    )
    if source is None or source.merged_into is None:
        return
    target = source.merged_into
    _send(
        "case_merged",
        source.customer.primary_email,
        {"ticket": source, "target": target, "across": source.customer_id != target.customer_id},
        auto=True,
        once_key=f"case-merged:{source.pk}:{target.pk}",
        kind="notice",
        ticket=source,
    )
