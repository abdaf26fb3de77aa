"""Periodic jobs (``settings.CAREDESK_PERIODIC_JOBS``): due retries, and deliveries whose
first task never ran, are handed to a task per endpoint; old delivery log rows go."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings

from caredesk.channels.webhooks import tasks
from caredesk.channels.webhooks.models import Delivery, DeliveryState
from caredesk.core.clock import require_aware
from caredesk.core.effects import enqueue_after_commit

MAX_ENDPOINTS = 500
PURGE_SLICE = 2_000


def retry_due(now: datetime) -> str | None:
    """Idempotent: a task finds an endpoint already being sent to and returns at once."""
    require_aware(now, "now")
    endpoint_ids = list(
        Delivery.objects.filter(
            state=DeliveryState.PENDING, next_attempt_at__lte=now, endpoint__is_active=True
        )
        .order_by("endpoint_id")
        .values_list("endpoint_id", flat=True)
        .distinct()[:MAX_ENDPOINTS]
    )
    for endpoint_id in endpoint_ids:
        enqueue_after_commit(tasks.deliver_endpoint, endpoint_id, as_of=now.isoformat())
    return f"{len(endpoint_ids)} endpoint(s) due" if endpoint_ids else None


def purge_log(now: datetime) -> str | None:
    """Delete finished deliveries older than ``CAREDESK_WEBHOOK_LOG_DAYS`` (30), oldest
    first, one slice a run. Rows are inserted in time order, so the oldest finished row
    tells in one indexed read whether there is anything to do."""
    require_aware(now, "now")
    cutoff = now - timedelta(days=int(getattr(settings, "CAREDESK_WEBHOOK_LOG_DAYS", 30)))
    finished = Delivery.objects.exclude(state=DeliveryState.PENDING)
    oldest = finished.order_by("pk").values_list("pk", "created_at").first()
    if oldest is None or oldest[1] >= cutoff:
        return None
    ids = list(
        finished.filter(pk__lt=oldest[0] + PURGE_SLICE, created_at__lt=cutoff).values_list(
            "pk", flat=True
        )
    )
    deleted, _ = Delivery.objects.filter(pk__in=ids).delete()
    return f"{deleted} old deliveries deleted"
