"""Background work of the SLA engine. Tasks take ids, re-check state and are idempotent.

Alarms have two triggers (house rule 7 makes both safe):

* :func:`fire_sla_alarms` is enqueued with ``run_after=sla_alarm_at`` whenever a case's
  next alarm moves (backends that support scheduling, such as the database queue);
* :func:`sla_sweep` runs every minute and fires whatever is due. It re-enqueues itself
  with ``run_after`` one minute on; ``caredesk worker`` (and so ``caredesk serve``)
  starts the chain with :func:`ensure_sweep_scheduled`, which does nothing when a sweep
  is already pending, so restarts never start a second chain.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django_tasks import task

from caredesk.core import clock
from caredesk.sla import alarms
from caredesk.sla.models import SlaNotification

log = logging.getLogger(__name__)

SWEEP_EVERY = timedelta(minutes=1)
AUTO_HEADERS = {"Auto-Submitted": "auto-generated", "X-Auto-Response-Suppress": "All"}


@task()
def fire_sla_alarms(ticket_id: int) -> None:
    alarms.fire_alarms(ticket_id, clock.now())


@task()
def sla_sweep() -> None:
    now = clock.now()
    try:
        fired = alarms.sweep(now)
        if fired.warnings or fired.breaches:
            log.info("sla sweep: %d warnings, %d breaches", fired.warnings, fired.breaches)
        from caredesk.reports.aggregates import refresh_if_stale

        refresh_if_stale(now)
    finally:
        if not _pending_sweep_exists():
            _enqueue_sweep(now + SWEEP_EVERY)


def _supports_defer() -> bool:
    return bool(sla_sweep.get_backend().supports_defer)


def _pending_sweep_exists() -> bool:
    """True when a sweep is already waiting in the database queue."""
    if "django_tasks_db" not in settings.INSTALLED_APPS or not _is_db_backend():
        return False
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.filter(
        task_path=sla_sweep.module_path, status__in=["READY"]
    ).exists()


def _is_db_backend() -> bool:
    return type(sla_sweep.get_backend()).__module__.startswith("django_tasks_db")


def _enqueue_sweep(at: datetime) -> None:
    if _supports_defer():
        sla_sweep.using(run_after=at).enqueue()


def ensure_sweep_scheduled(now: datetime) -> bool:
    """Start the every-minute sweep unless one is already pending. True if it enqueued."""
    if not _supports_defer() or _pending_sweep_exists():
        return False
    _enqueue_sweep(now)
    return True


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
    EmailMessage(
        subject=f"[{notice.ticket.reference}] {notice.get_kind_display()}: {notice.ticket.subject}",
        body=body,
        to=[notice.user.email],
        headers=AUTO_HEADERS.copy(),
    ).send()
