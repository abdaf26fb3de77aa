"""Background work of the email channel. Tasks take ids, re-check state, run twice safely.

Tasks call the email actions, and the actions enqueue these tasks: the one import cycle
allowed, inside one app, as module imports (``from caredesk.channels.email import actions``).
"""

from __future__ import annotations

import logging

from django.db import transaction

from caredesk.channels.email import actions, conf
from caredesk.channels.email.models import RawMessage
from caredesk.core import once
from caredesk.core.background import task
from caredesk.core.clock import now as clock_now
from caredesk.core.models import EmailLink, OutboundEmail
from caredesk.core.outbox import deliver, send_mail
from caredesk.tickets.models import Ticket
from caredesk.tickets.tasks import ACKNOWLEDGED

log = logging.getLogger(__name__)


@task()
def process_raw_message(raw_id: int) -> str:
    return actions.do_process_raw(raw_id, now=clock_now())


@task()
def process_raw_batch(raw_ids: list[int]) -> dict[str, str]:
    """File the given stored messages (those still stored) in one transaction, with other
    messages waiting up to the batch size: under load, mail that arrived one by one is
    filed in batches."""
    limit = max(len(raw_ids), conf.batch_size())
    states = actions.do_process_batch(raw_ids, now=clock_now(), limit=limit, coalesce=True)
    return {str(pk): state for pk, state in states.items()}


@task()
def deliver_outbound(outbound_id: int) -> str:
    """Kept for deliveries queued before the outbox moved to core; new ones use
    ``caredesk.core.tasks.deliver_outbound``."""
    return deliver(outbound_id, clock_now())


@task()
def acknowledge_email_cases(cases: list[tuple[int, str]]) -> None:
    """The acknowledgements of one intake batch: [(case id, address), ...]."""
    for ticket_id, address in cases:
        try:
            _acknowledge(int(ticket_id), str(address))
        except Exception:
            log.exception("acknowledging case %s failed", ticket_id)


@task()
def acknowledge_email_case(ticket_id: int, address: str) -> None:
    _acknowledge(ticket_id, address)


def _acknowledge(ticket_id: int, address: str) -> None:
    """Once per case (the key is shared with the other channels' acknowledgement), so a
    batch run again after its worker died acknowledges nobody twice."""

    ticket = Ticket.objects.select_related("customer").filter(pk=ticket_id).first()
    if ticket is None:
        return
    now = clock_now()
    with transaction.atomic():
        if not once.claim(ACKNOWLEDGED.format(ticket.pk), now):
            return
        send_mail(
            "acknowledgement",
            address,
            {"ticket": ticket},
            now=now,
            kind=OutboundEmail.Kind.ACKNOWLEDGEMENT,
            case_id=ticket.pk,
            thread=True,
            capped=True,
        )


@task()
def send_oversize_notice(raw_id: int) -> None:

    raw = RawMessage.objects.select_related("ticket", "message").filter(pk=raw_id).first()
    if raw is None or raw.ticket is None:
        return
    link = EmailLink.objects.filter(raw_id=raw.pk).first()
    if link is None or not link.from_address:
        return
    ticket = raw.ticket
    notes = [
        line
        for line in (raw.message.body if raw.message else "").splitlines()
        if line.startswith("[")
    ]
    context: dict[str, object] = {
        "ticket": ticket,
        "notes": notes,
        "size_mb": f"{raw.size / 1048576:.1f}",
        "limit_mb": f"{conf.max_raw_bytes() / 1048576:.0f}",
        "truncated": raw.truncated,
    }
    now = clock_now()
    with transaction.atomic():
        if not once.claim(f"oversize-notice:{raw.pk}", now):
            return
        send_mail(
            "oversize",
            link.from_address,
            context,
            now=now,
            kind=OutboundEmail.Kind.NOTICE,
            case_id=ticket.pk,
            thread=True,
            capped=True,
        )
