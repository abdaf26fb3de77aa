"""Background work for cases. Tasks take ids, re-check state, and are safe to run twice."""

from __future__ import annotations

import logging

from django_tasks import task

from caredesk.accounts.models import User
from caredesk.core.clock import now as clock_now
from caredesk.tickets.models import Message, MessageKind, Ticket

log = logging.getLogger(__name__)

AUTO_HEADERS = {"Auto-Submitted": "auto-generated", "X-Auto-Response-Suppress": "All"}


def _send(
    to: str,
    subject: str,
    template: str,
    context: dict[str, object],
    *,
    auto: bool,
    kind: str = "notify",
    ticket: Ticket | None = None,
    message: Message | None = None,
) -> None:
    """Put the mail in the email channel's outbox; the worker delivers it with retries."""
    if not to:
        return
    from caredesk.channels.email.outbox import enqueue_mail, render_mail

    name = template.rsplit("/", 1)[-1].split(".")[0]
    text, html = render_mail(name, template, context)
    enqueue_mail(
        kind=kind,
        to=to,
        subject=subject,
        text=text,
        html=html,
        now=clock_now(),
        auto=auto,
        ticket=ticket,
        message=message,
    )


# Cases opened here get an acknowledgement mail from this task; email sends its own
# (capped per sender) from the email channel.
ACKNOWLEDGED_CHANNELS = ("portal", "api")


@task()
def acknowledge_new_ticket(ticket_id: int) -> None:
    ticket = Ticket.objects.select_related("customer").filter(pk=ticket_id).first()
    if ticket is None or ticket.channel not in ACKNOWLEDGED_CHANNELS:
        return
    _send(
        ticket.customer.primary_email,
        f"[{ticket.reference}] We received your request: {ticket.subject}",
        "mail/acknowledgement.txt",
        {"ticket": ticket},
        auto=True,
        kind="ack",
        ticket=ticket,
    )


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
        ticket.customer.primary_email,
        f"Re: [{ticket.reference}] {ticket.subject}",
        "mail/reply.txt",
        {"ticket": ticket, "message": message},
        auto=False,
        kind="reply",
        ticket=ticket,
        message=message,
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
        assignee.email,
        f"[{ticket.reference}] {ticket.customer.name} wrote: {ticket.subject}",
        "mail/customer_wrote.txt",
        {"ticket": ticket, "message": message},
        auto=True,
    )


@task()
def notify_new_assignee(ticket_id: int, assignee_id: int, handoff_note: str) -> None:
    ticket = Ticket.objects.select_related("customer").filter(pk=ticket_id).first()
    assignee = User.objects.filter(pk=assignee_id, is_active=True).first()
    if ticket is None or assignee is None or ticket.assignee_id != assignee.pk:
        return
    _send(
        assignee.email,
        f"[{ticket.reference}] Handed to you: {ticket.subject}",
        "mail/handoff.txt",
        {"ticket": ticket, "note": handoff_note, "assignee": assignee},
        auto=True,
    )
