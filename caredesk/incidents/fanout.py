"""Telling every affected customer about one update: in batches, each batch one
transaction with a few statements (bulk INSERTs of outbox rows and notices).

Idempotent: a :class:`~caredesk.incidents.models.Notice` per (update, customer) is
written with the customer's outbox row, under a unique constraint, so a retried or
doubled task skips who was told and never queues a second mail (if two workers race on
one batch, the second's INSERT fails and its whole batch rolls back). Rate-limited: the
outbox rows' send times are spread at ``CAREDESK_INCIDENT_MAILS_PER_MINUTE``; the
outbox's minute sweep (``outbox.retry``) delivers each once its time has come.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F

from caredesk.core import outbox
from caredesk.core.clock import require_aware
from caredesk.core.models import OutboundEmail
from caredesk.customers.models import ContactIdentity, Customer
from caredesk.incidents import links
from caredesk.incidents.models import (
    Affected,
    IncidentUpdate,
    Notice,
    NoticeOutcome,
    OptOut,
)

MAIL = "incident_update"
BATCH = 500


@dataclass
class FanOut:
    mailed: int = 0
    skipped: int = 0
    batches: int = 0


def _emails(customer_ids: list[int]) -> dict[int, str]:
    """Each customer's first mail address (as ``Customer.primary_email``)."""
    found: dict[int, str] = {}
    rows = (
        ContactIdentity.objects.filter(
            customer_id__in=customer_ids, kind=ContactIdentity.Kind.EMAIL
        )
        .order_by("customer_id", "id")
        .values_list("customer_id", "value")
    )
    for customer_id, value in rows:
        found.setdefault(customer_id, value)
    return found


def _batch(update: IncidentUpdate, ids: list[int], offset: int, now: datetime) -> FanOut:
    done = FanOut(batches=1)
    with transaction.atomic():
        told = set(
            Notice.objects.filter(update=update, customer_id__in=ids).values_list(
                "customer_id", flat=True
            )
        )
        todo = [pk for pk in ids if pk not in told]
        if not todo:
            return done
        emails = _emails(todo)
        people = Customer.objects.filter(pk__in=todo).values_list("pk", "name", "language")
        names = {pk: name for pk, name, _ in people}
        spoken = {pk: language for pk, _, language in people}
        opted = (
            set()
            if update.essential
            else set(
                OptOut.objects.filter(customer_id__in=todo).values_list("customer_id", flat=True)
            )
        )
        rate = int(settings.CAREDESK_INCIDENT_MAILS_PER_MINUTE)
        incident = update.incident
        portal_url = settings.SITE_URL.rstrip("/") + "/portal/"
        mails: list[tuple[str, dict[str, object], datetime]] = []
        mailed_ids: list[int] = []
        notices: list[Notice] = []
        for pk in todo:
            if pk in opted:
                outcome = NoticeOutcome.UNSUBSCRIBED
            elif not emails.get(pk):
                outcome = NoticeOutcome.NO_ADDRESS
            else:
                position = offset + len(mails)
                send_at = now + timedelta(minutes=position // rate)
                context: dict[str, object] = {
                    "incident": incident,
                    "update": update,
                    "customer_name": names.get(pk, ""),
                    "language": spoken.get(pk, ""),
                    "essential": update.essential,
                    "resolved": update.is_resolution,
                    "portal_url": portal_url,
                    "unsubscribe_url": "" if update.essential else links.unsubscribe_url(pk),
                }
                mails.append((emails[pk], context, send_at))
                mailed_ids.append(pk)
                continue
            notices.append(Notice(update=update, customer_id=pk, outcome=outcome, created_at=now))
        rows = outbox.queue_many(MAIL, mails, now=now, kind=OutboundEmail.Kind.NOTICE)
        notices.extend(
            Notice(
                update=update,
                customer_id=pk,
                outcome=NoticeOutcome.MAILED,
                outbound_id=row.pk,
                created_at=now,
            )
            for pk, row in zip(mailed_ids, rows, strict=True)
        )
        Notice.objects.bulk_create(notices, batch_size=BATCH)
        done.mailed, done.skipped = len(rows), len(notices) - len(rows)
        IncidentUpdate.objects.filter(pk=update.pk).update(
            mailed=F("mailed") + done.mailed, skipped=F("skipped") + done.skipped
        )
    return done


def fan_out(update_id: int, now: datetime) -> FanOut:
    """Tell every affected customer who has not been told about update ``update_id``."""
    require_aware(now, "now")
    total = FanOut()
    update = IncidentUpdate.objects.select_related("incident").filter(pk=update_id).first()
    if update is None or update.fanned_out_at is not None:
        return total
    offset = update.mailed  # mail already queued by an earlier run keeps its slot
    after = 0
    while True:
        ids = list(
            Affected.objects.filter(incident_id=update.incident_id, customer_id__gt=after)
            .order_by("customer_id")
            .values_list("customer_id", flat=True)[:BATCH]
        )
        if not ids:
            break
        after = ids[-1]
        done = _batch(update, ids, offset, now)
        offset += done.mailed
        total.mailed += done.mailed
        total.skipped += done.skipped
        total.batches += done.batches
    IncidentUpdate.objects.filter(pk=update.pk, fanned_out_at__isnull=True).update(
        fanned_out_at=now
    )
    return total
