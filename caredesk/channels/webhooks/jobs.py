"""Periodic job (``settings.CAREDESK_PERIODIC_JOBS``): old delivery log rows go. (Due
retries are the ``webhook.retry`` deadline: ``actions.do_fire_retry``.)"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings

from caredesk.channels.webhooks.models import Delivery, DeliveryState
from caredesk.core.clock import require_aware

MAX_ENDPOINTS = 500
PURGE_SLICE = 2_000


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
