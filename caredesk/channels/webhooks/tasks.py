"""Background work for webhooks. Tasks take ids, re-check state and are idempotent."""

from __future__ import annotations

from datetime import datetime

from caredesk.channels.webhooks import delivery
from caredesk.core import clock
from caredesk.core.background import task


@task()
def deliver_endpoint(endpoint_id: int, as_of: str = "") -> None:
    """Send the endpoint's due deliveries in order. ``as_of`` is the time the retry job
    found them due: the task treats them as due even if this worker's clock is behind."""
    now = clock.now()
    if as_of:
        now = max(now, datetime.fromisoformat(as_of))
    if delivery.drain(endpoint_id, now) >= delivery.DRAIN_LIMIT:
        deliver_endpoint.enqueue(endpoint_id)  # a long backlog: go on in a new task
