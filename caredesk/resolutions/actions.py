"""Every change to a resolution goes through these functions (house rule 1).

* :func:`do_follow_case_status` — the reaction's action: a case resolved opens a pending
  resolution (and, after commit, mails "Is this solved?"); a pending one is settled when
  staff close the case (``closed_by_staff``) or it reopens first (``reopened``); a case
  closed without ever being resolved gets a ``closed_by_staff`` row.
* :func:`do_answer` — the customer's Yes (case closed, ``confirmed``) or No (their words
  become a customer message through the usual action, so the case reopens as for any
  inbound message; ``rejected``, the assignee told).
* :func:`do_close_unconfirmed` — the ``resolution.confirm`` deadline's fire action: no
  answer in time closes the case as ``unconfirmed``. Idempotent.

Each writes its audit event (``tickets.audit``) in its transaction and keeps
``Ticket.resolution_outcome`` in step.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction

from caredesk.accounts.models import User
from caredesk.core import deadlines
from caredesk.core.clock import require_aware
from caredesk.core.effects import enqueue_after_commit
from caredesk.core.errors import Conflict, DomainError, NotFound
from caredesk.core.notifications import notify
from caredesk.core.text import clean_body
from caredesk.customers.models import Customer
from caredesk.resolutions import tasks
from caredesk.resolutions.models import Outcome, Resolution
from caredesk.tickets import actions as ticket_actions
from caredesk.tickets import audit
from caredesk.tickets.models import OPEN_STATUSES, Channel, Status, Ticket

CONFIRM = "resolution.confirm"  # the deadline kind of ``Resolution.confirm_due_at``
MAX_WORDS = 5000
NO_WORDS = "No, it is not solved."
NOTICE_KIND = "resolution_rejected"


def confirm_days() -> int:
    return int(settings.CAREDESK_RESOLUTION_CONFIRM_DAYS)


def _set_outcome(ticket: Ticket, outcome: str) -> None:
    ticket.resolution_outcome = outcome
    Ticket.objects.filter(pk=ticket.pk).update(resolution_outcome=outcome)


def _pending(ticket_id: int) -> Resolution | None:
    return (
        Resolution.objects.select_for_update()
        .filter(ticket_id=ticket_id, outcome=Outcome.PENDING)
        .order_by("-resolved_at", "-id")
        .first()
    )


def _settle(resolution: Resolution, ticket: Ticket, outcome: str, now: datetime) -> None:
    resolution.outcome = outcome
    resolution.answered_at = now
    resolution.confirm_due_at = None
    resolution.save(update_fields=["outcome", "answered_at", "confirm_due_at"])
    _set_outcome(ticket, outcome)


def do_follow_case_status(
    ticket: Ticket, *, old: str, new: str, actor: User | None, now: datetime
) -> Resolution | None:
    """Inside the case action's transaction (the case row is held): keep the case's
    resolutions in step with a status change ``old`` → ``new``."""
    require_aware(now, "now")
    if old in OPEN_STATUSES and new in OPEN_STATUSES:
        return None  # between open statuses (a reply): a resolution is pending only once resolved
    pending = _pending(ticket.pk)
    if new == Status.RESOLVED:
        if pending is not None:  # resolved twice without settling: the first is superseded
            _settle(pending, ticket, Outcome.REOPENED, now)
        return _open(ticket, actor, now)
    if new == Status.CLOSED:
        if pending is not None:
            _settle(pending, ticket, Outcome.CLOSED_BY_STAFF, now)
            return pending
        if old in OPEN_STATUSES:  # closed straight from open: nobody was asked
            row = Resolution.objects.create(
                ticket=ticket,
                outcome=Outcome.CLOSED_BY_STAFF,
                resolved_at=now,
                answered_at=now,
                resolved_by=actor,
                agent_id=ticket.assignee_id,
                team_id=ticket.team_id,
            )
            _set_outcome(ticket, Outcome.CLOSED_BY_STAFF)
            return row
        return None
    if new in OPEN_STATUSES and pending is not None:
        _settle(pending, ticket, Outcome.REOPENED, now)
        return pending
    return None


def _open(ticket: Ticket, actor: User | None, now: datetime) -> Resolution:
    by_customer = actor is not None and actor.is_customer
    row = Resolution(
        ticket=ticket,
        resolved_at=now,
        resolved_by=actor,
        agent_id=ticket.assignee_id,
        team_id=ticket.team_id,
    )
    if by_customer:  # the customer said it is solved themselves: nothing to ask
        row.outcome, row.answered_at = Outcome.CONFIRMED, now
    else:
        row.confirm_due_at = now + timedelta(days=confirm_days())
    row.save()
    _set_outcome(ticket, row.outcome)
    if row.is_pending:
        deadlines.schedule(CONFIRM, [row.pk], row.confirm_due_at)
        enqueue_after_commit(tasks.ask_customer, row.pk)
    return row


def do_answer(
    resolution_id: int,
    *,
    solved: bool,
    customer: Customer,
    now: datetime,
    words: str = "",
    channel: str = Channel.PORTAL,
    actor: User | None = None,
) -> Resolution:
    """The customer answers "Is this solved?". ``customer`` must be the case's customer
    (a link carries it, signed; the portal passes the signed-in one). Refuses with
    :class:`Conflict` when the question was already settled (nothing changes)."""
    require_aware(now, "now")
    text = words.strip()
    if len(text) > MAX_WORDS:
        raise DomainError(
            f"Your message is too long ({len(text):,} characters; the limit is {MAX_WORDS:,}).",
            code="too_long",
        )
    body = clean_body(text, max_chars=MAX_WORDS) if text else NO_WORDS
    with transaction.atomic():
        resolution = Resolution.objects.select_for_update().filter(pk=resolution_id).first()
        if resolution is None:
            raise NotFound("No such question.")
        ticket = (
            Ticket.objects.select_for_update(of=("self",))
            .select_related("assignee", "customer")
            .get(pk=resolution.ticket_id)
        )
        if ticket.customer_id != customer.pk:
            raise NotFound("No such question.")
        if not resolution.is_pending or ticket.status != Status.RESOLVED:
            raise Conflict("This question was already answered.", code="already_answered")
        who = actor or customer.user
        if solved:
            _settle(resolution, ticket, Outcome.CONFIRMED, now)
            audit.record(
                ticket,
                who,
                "resolution_confirmed",
                now=now,
                field="resolution",
                old=Outcome.PENDING,
                new=Outcome.CONFIRMED,
                public=True,
            )
            ticket_actions.do_change_status(ticket, actor=None, status=Status.CLOSED, now=now)
            return resolution
        _settle(resolution, ticket, Outcome.REJECTED, now)
        audit.record(
            ticket,
            who,
            "resolution_rejected",
            now=now,
            field="resolution",
            old=Outcome.PENDING,
            new=Outcome.REJECTED,
            public=True,
        )
        # The usual customer-message action: the case reopens (waiting on us, a reopen
        # counted), SLA and promises react as for any inbound message.
        message = ticket_actions.do_add_customer_message(
            ticket, customer=customer, body=body, channel=channel, now=now, actor=actor
        )
        resolution.reopen_message_id = message.pk
        resolution.save(update_fields=["reopen_message_id"])
        ticket.refresh_from_db(fields=["status", "updated_at", "reopen_count"])
        notify(
            ticket.assignee,
            NOTICE_KIND,
            subject=f"[{ticket.reference}] {customer.name} says it is not solved: {ticket.subject}",
            body=(
                f'{customer.name} answered "No, it is not" to the resolution of '
                f"{ticket.reference}; the case is open again and waiting on us.\n\n"
                f"Their words: {body}"
            ),
            now=now,
            ticket_id=ticket.pk,
        )
    return resolution


def do_close_unconfirmed(resolution_id: int, now: datetime) -> bool:
    """No answer by ``confirm_due_at``: close the case as ``unconfirmed``. Safe to run
    twice or early (it re-checks the row and always clears a due deadline it handled)."""
    require_aware(now, "now")
    with transaction.atomic():
        resolution = Resolution.objects.select_for_update().filter(pk=resolution_id).first()
        if resolution is None or resolution.confirm_due_at is None:
            return False
        if resolution.confirm_due_at > now:
            return False
        ticket = Ticket.objects.select_for_update(of=("self",)).get(pk=resolution.ticket_id)
        if not resolution.is_pending or ticket.status != Status.RESOLVED:
            # Settled some other way: nothing to close, just take the deadline off.
            Resolution.objects.filter(pk=resolution.pk).update(confirm_due_at=None)
            return False
        _settle(resolution, ticket, Outcome.UNCONFIRMED, now)
        audit.record(
            ticket,
            None,
            "resolution_unconfirmed",
            now=now,
            field="resolution",
            old=Outcome.PENDING,
            new=Outcome.UNCONFIRMED,
            note=f"No answer within {confirm_days()} days.",
            public=True,
        )
        ticket_actions.do_change_status(ticket, actor=None, status=Status.CLOSED, now=now)
    return True
