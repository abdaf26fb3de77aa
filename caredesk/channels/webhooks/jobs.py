"""The periodic job (``settings.CAREDESK_PERIODIC_JOBS``): due retries, and deliveries
whose first task never ran, are handed to a task per endpoint."""

from __future__ import annotations

from datetime import datetime

from caredesk.channels.webhooks import tasks
from caredesk.channels.webhooks.models import Delivery, DeliveryState
from caredesk.core.clock import require_aware
from caredesk.core.effects import enqueue_after_commit

MAX_ENDPOINTS = 500


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
