"""Background work: notices and email requests.

Tasks take ids, re-check state and are idempotent (house rule 7). Decision deadlines are
not here: ``due_at`` is the ``escalation.decision`` / ``approval.decision`` deadline
(``CAREDESK_DEADLINES``), scheduled and swept by :mod:`caredesk.core.deadlines`; the step-up
actions end in a conditional UPDATE, so an item moves up one level once, however often
it is fired.
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.db import transaction
from django.db.models import Q
from django_tasks import TaskContext

from caredesk.accounts.models import Role, User
from caredesk.core import clock, once
from caredesk.core.background import task
from caredesk.core.effects import run_each
from caredesk.escalations import actions, detect, notices
from caredesk.escalations.models import EscalationSource
from caredesk.tickets.models import Channel, Message, MessageKind

log = logging.getLogger(__name__)


@task()
def check_email_for_escalation(message_id: int) -> None:
    """A customer email that asks for a supervisor escalates its case."""
    _check_email(message_id)


@task()
def check_emails_for_escalation(message_ids: list[int]) -> None:
    """:func:`check_email_for_escalation` for the emails of one intake batch."""
    run_each(_check_email, message_ids)


def _check_email(message_id: int) -> None:
    """At most once per email: a second run would log the request on the case again."""
    now = clock.now()
    with transaction.atomic():
        if not once.claim(f"supervisor-request-checked:{message_id}", now):
            return
        _escalate_if_asked(message_id, now)


def _escalate_if_asked(message_id: int, now: datetime) -> None:
    message = (
        Message.objects.select_related("ticket", "author_customer__user")
        .filter(pk=message_id, kind=MessageKind.CUSTOMER, channel=Channel.EMAIL)
        .first()
    )
    if message is None or not message.ticket.is_open:
        return
    sentence = detect.supervisor_request(message.body)
    if sentence is None:
        return
    customer_user = message.author_customer.user if message.author_customer else None
    if customer_user is not None and not customer_user.is_customer:
        customer_user = None
    actions.do_request_supervisor(
        message.ticket,
        customer_user=customer_user,
        reason=f"The customer asked by email: “{sentence}”",
        now=now,
        source=EscalationSource.CUSTOMER_EMAIL,
    )


# --- notices -------------------------------------------------------------------------


def _admins() -> list[User]:
    return list(User.objects.filter(Q(role=Role.ADMIN) | Q(is_superuser=True), is_active=True))


@task(takes_context=True)
def send_notice(context: TaskContext, kind: str, pk: int) -> None:
    """Once per enqueued notice: an escalation that moves to a new owner asks for a new
    one (the same arguments), a re-run of this task does not mail again."""
    now = clock.now()
    with transaction.atomic():
        if not once.claim(once.task_key(context, f"escalation-notice-{kind}"), now):
            return
        notices.send(kind, pk, admins=_admins, now=now)
