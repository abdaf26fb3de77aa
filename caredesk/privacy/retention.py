"""Retention rules: the content of an organization's closed cases is erased once they
have been closed for the rule's number of months (a job in ``CAREDESK_PURGE_JOBS``, so
it runs with the other hourly purges). Customers under a legal hold are skipped; the
case rows stay, so reports keep their numbers (docs/privacy.md)."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Exists, OuterRef

from caredesk.core import audit
from caredesk.privacy import erase
from caredesk.privacy.models import ErasedCase, LegalHold, RetentionRule
from caredesk.tickets.models import Status, Ticket

log = logging.getLogger(__name__)

BATCH = 200
MAX_BATCHES = 25  # per rule and run; the rest goes on the next run
DAYS_PER_MONTH = 30.44


def cutoff(now: datetime, months: int) -> datetime:
    return now - timedelta(days=round(months * DAYS_PER_MONTH))


def due_cases(rule: RetentionRule, now: datetime) -> list[int]:
    held = LegalHold.objects.filter(customer_id=OuterRef("customer_id"), lifted_at__isnull=True)
    erased = ErasedCase.objects.filter(ticket_id=OuterRef("pk"))
    rows = (
        Ticket.objects.filter(
            organization=rule.organization,
            status=Status.CLOSED,
            closed_at__lt=cutoff(now, rule.closed_case_months),
        )
        .exclude(Exists(held))
        .exclude(Exists(erased))
        .order_by("closed_at", "pk")
        .values_list("pk", flat=True)[:BATCH]
    )
    return list(rows)


def purge(now: datetime) -> int:
    total = 0
    for rule in RetentionRule.objects.select_related("organization"):
        for _ in range(MAX_BATCHES):
            ids = due_cases(rule, now)
            if not ids:
                break
            with transaction.atomic():
                erase.erase_cases(ids, now=now, reason=ErasedCase.Reason.RETENTION)
                audit.record(
                    "organization.retention_applied",
                    actor=None,
                    now=now,
                    field="cases",
                    new=len(ids),
                    note=rule.organization.name,
                )
            total += len(ids)
    if total:
        log.info("retention rules erased the content of %s closed cases", total)
    return total
