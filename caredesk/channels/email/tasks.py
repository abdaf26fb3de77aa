"""Background work of the email channel. Tasks take ids, re-check state, run twice safely.

Tasks call the email actions, and the actions enqueue these tasks: the one import cycle
allowed, inside one app, as module imports (``from caredesk.channels.email import actions``).
"""

from __future__ import annotations

import logging
from datetime import datetime

from django_tasks import task

from caredesk.channels.email import actions, conf
from caredesk.channels.email.models import EmailLink, OutboundEmail, RawMessage
from caredesk.core.clock import now as clock_now
from caredesk.tickets.models import Ticket

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
    from caredesk.channels.email.outbox import deliver

    return deliver(outbound_id, clock_now())


def schedule_retry(outbound_id: int, when: datetime) -> None:
    """Ask the worker to try again later; without deferred tasks `mail outbox` picks it up."""
    backend = deliver_outbound.get_backend()
    if getattr(backend, "supports_defer", False):
        deliver_outbound.using(run_after=when).enqueue(outbound_id)


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
    from caredesk.channels.email.outbox import enqueue_mail, render_mail, render_subject

    ticket = Ticket.objects.select_related("customer").filter(pk=ticket_id).first()
    if ticket is None:
        return
    context: dict[str, object] = {"ticket": ticket}
    text, html = render_mail("acknowledgement", "mail/acknowledgement.txt", context)
    subject = render_subject(
        "acknowledgement",
        f"We received your request: {ticket.subject}",
        context,
        token=ticket.reference,
    )
    enqueue_mail(
        kind=OutboundEmail.Kind.ACKNOWLEDGEMENT,
        to=address,
        subject=subject,
        text=text,
        html=html,
        now=clock_now(),
        auto=True,
        ticket=ticket,
        capped=True,
    )


@task()
def send_oversize_notice(raw_id: int) -> None:
    from caredesk.channels.email.outbox import enqueue_mail, render_mail, render_subject

    raw = RawMessage.objects.select_related("ticket").filter(pk=raw_id).first()
    if raw is None or raw.ticket is None:
        return
    link = EmailLink.objects.filter(raw=raw).first()
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
    text, html = render_mail("oversize", "mail/oversize.txt", context)
    subject = render_subject(
        "oversize",
        f"Part of your message did not reach us: {ticket.subject}",
        context,
        token=ticket.reference,
    )
    enqueue_mail(
        kind=OutboundEmail.Kind.NOTICE,
        to=link.from_address,
        subject=subject,
        text=text,
        html=html,
        now=clock_now(),
        auto=True,
        ticket=ticket,
        capped=True,
    )


@task()
def process_outbox() -> dict[str, int]:
    from caredesk.channels.email.outbox import process_due

    return process_due(clock_now())
