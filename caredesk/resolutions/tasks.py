"""Mail "Is this solved?" after the resolve commits. Takes an id, re-checks, runs once."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction

from caredesk.core import clock, once
from caredesk.core.background import task
from caredesk.core.models import OutboundEmail
from caredesk.core.outbox import send_mail
from caredesk.resolutions import links
from caredesk.resolutions.models import Outcome, Resolution
from caredesk.tickets.models import Status

MAIL = "resolution_question"
ASKED = "resolution-asked:{}"


def may_mail_customer(ticket: object) -> bool:
    """Never to machine senders (the case came from machine mail)."""
    return not getattr(ticket, "from_machine", False)


@task()
def ask_customer(resolution_id: int) -> None:
    row = (
        Resolution.objects.select_related("ticket__customer")
        .filter(pk=resolution_id, outcome=Outcome.PENDING)
        .first()
    )
    if row is None or row.ticket.status != Status.RESOLVED:
        return
    ticket, customer = row.ticket, row.ticket.customer
    address = customer.primary_email
    if not address or not may_mail_customer(ticket):
        return
    now = clock.now()
    context = {
        "ticket": ticket,
        "customer_name": customer.name,
        "yes_url": links.answer_url(row.pk, ticket.pk, customer.pk, "yes"),
        "no_url": links.answer_url(row.pk, ticket.pk, customer.pk, "no"),
        "days": settings.CAREDESK_RESOLUTION_CONFIRM_DAYS,
    }
    with transaction.atomic():
        if not once.claim(ASKED.format(row.pk), now):
            return
        send_mail(
            MAIL,
            address,
            context,
            now=now,
            kind=OutboundEmail.Kind.NOTICE,
            auto=True,
            case_id=ticket.pk,
            thread=True,
        )
        Resolution.objects.filter(pk=row.pk, asked_at__isnull=True).update(asked_at=now)
