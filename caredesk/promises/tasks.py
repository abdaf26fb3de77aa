"""Background work for promises. Tasks take ids, re-check state and are idempotent."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django_tasks import task

from caredesk.core import clock, once
from caredesk.promises import alarms
from caredesk.promises.models import PromiseNotice
from caredesk.tickets.models import Message, MessageKind


@task()
def fire_promise_alarm(promise_id: int) -> None:
    """Scheduled for the promise's ``alarm_at``; the sweep covers it if this never runs."""
    alarms.fire(promise_id, clock.now())


@task()
def send_promise_notice(notice_id: int) -> None:
    from caredesk.channels.email.outbox import enqueue_mail, render_mail

    notice = (
        PromiseNotice.objects.select_related("user", "promise__ticket").filter(pk=notice_id).first()
    )
    if notice is None or not notice.user.is_active or not notice.user.email:
        return
    ticket = notice.promise.ticket
    text, html = render_mail(
        "",
        "promises/mail/notice.txt",
        {
            "notice": notice,
            "promise": notice.promise,
            "ticket": ticket,
            "site_url": settings.SITE_URL,
        },
    )
    now = clock.now()
    with transaction.atomic():
        if not once.claim(f"promise-notice-mailed:{notice.pk}", now):
            return
        enqueue_mail(
            kind="notify",
            to=notice.user.email,
            subject=f"[{ticket.reference}] {notice.get_kind_display()}: {ticket.subject}",
            text=text,
            html=html,
            now=now,
            auto=True,
        )


@task()
def send_customer_update(message_id: int) -> None:
    """Mail the honest update (already on the case as a public message) to the customer,
    once: the key is that of any reply mailed to the customer."""
    from caredesk.channels.email.outbox import enqueue_mail, render_mail
    from caredesk.tickets.tasks import REPLY_MAILED

    message = (
        Message.objects.select_related("ticket__customer")
        .filter(pk=message_id, kind=MessageKind.REPLY)
        .first()
    )
    if message is None:
        return
    ticket = message.ticket
    text, html = render_mail("reply", "mail/reply.txt", {"ticket": ticket, "message": message})
    now = clock.now()
    with transaction.atomic():
        if not once.claim(REPLY_MAILED.format(message.pk), now):
            return
        enqueue_mail(
            kind="reply",
            to=ticket.customer.primary_email,
            subject=f"Re: [{ticket.reference}] {ticket.subject}",
            text=text,
            html=html,
            now=now,
            auto=True,
            ticket=ticket,
            message=message,
        )
