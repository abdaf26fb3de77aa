"""Background work of the SLA engine. Tasks take ids, re-check state and are idempotent.

Alarms have two triggers (house rule 7 makes both safe):

* :func:`fire_sla_alarms` is enqueued with ``run_after=sla_alarm_at`` whenever a case's
  next alarm moves (backends that support scheduling, such as the database queue);
* :func:`run_sweep` fires whatever is due; it is one of the jobs of the worker's
  every-minute heartbeat (``caredesk.core.periodic``, ``CAREDESK_PERIODIC_JOBS``).
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django_tasks import task

from caredesk.core import clock, once
from caredesk.core.effects import run_each
from caredesk.sla import alarms
from caredesk.sla.models import SlaNotification

log = logging.getLogger(__name__)


@task()
def fire_sla_alarms(ticket_ids: list[int] | int) -> None:
    """Fire what is due on these cases (cases whose alarms fall at the same instant share
    one task: a batch of new cases from one policy). A single id is accepted too."""
    ids = [ticket_ids] if isinstance(ticket_ids, int) else ticket_ids
    now = clock.now()
    run_each(lambda ticket_id: alarms.fire_alarms(ticket_id, now), ids)


def run_sweep(now: datetime) -> str:
    """Fire whatever is due and refresh stale report rows. A heartbeat job (every minute)."""
    fired = alarms.sweep(now)
    if fired.warnings or fired.breaches:
        log.info("sla sweep: %d warnings, %d breaches", fired.warnings, fired.breaches)
    from caredesk.reports.aggregates import refresh_if_stale

    refresh_if_stale(now)
    return f"{fired.warnings} warnings, {fired.breaches} breaches"


@task()
def auto_assign_case(ticket_id: int) -> None:
    from caredesk.sla.routing import auto_assign

    auto_assign(ticket_id, clock.now())


@task()
def refresh_cases(ticket_ids: list[int]) -> None:
    """Recompute deadlines after a policy or queue-rule edit."""
    from caredesk.sla.engine import refresh

    now = clock.now()
    for pk in ticket_ids:
        refresh(pk, now)


@task()
def send_sla_notice(notice_id: int) -> None:
    notice = SlaNotification.objects.select_related("user", "ticket").filter(pk=notice_id).first()
    if notice is None or not notice.user.is_active or not notice.user.email:
        return
    body = render_to_string(
        "sla/mail/notice.txt",
        {"notice": notice, "ticket": notice.ticket, "site_url": settings.SITE_URL},
    )
    from caredesk.channels.email.outbox import enqueue_mail

    # Through the outbox, like every mail caredesk sends: retries, and a visible failure.
    now = clock.now()
    with transaction.atomic():
        if not once.claim(f"sla-notice-mailed:{notice.pk}", now):
            return
        enqueue_mail(
            kind="notify",
            to=notice.user.email,
            subject=(
                f"[{notice.ticket.reference}] {notice.get_kind_display()}: {notice.ticket.subject}"
            ),
            text=body,
            now=now,
            auto=True,
        )
