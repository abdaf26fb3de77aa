"""The event-log consumer: committed events become deliveries for matching endpoints.

Registered in ``settings.CAREDESK_EVENT_CONSUMERS``; runs after the action's commit. With
no active endpoint it costs one query; otherwise one read of the events and one INSERT,
then one task per endpoint that got something."""

from __future__ import annotations

from django.db import transaction

from caredesk.channels.webhooks import tasks
from caredesk.channels.webhooks.models import Delivery, Endpoint
from caredesk.channels.webhooks.validation import OWN_PREFIX, matches
from caredesk.core import clock
from caredesk.core.effects import enqueue_after_commit
from caredesk.core.models import Event


def queue_deliveries(event_ids: list[int]) -> list[Delivery]:
    endpoints = list(Endpoint.objects.filter(is_active=True).values_list("pk", "events"))
    if not endpoints or not event_ids:
        return []
    found = (
        Event.objects.filter(pk__in=event_ids)
        .exclude(kind__startswith=OWN_PREFIX)
        .order_by("pk")
        .values_list("pk", "kind")
    )
    now = clock.now()
    rows = [
        Delivery(
            endpoint_id=endpoint_id,
            event_id=event_id,
            kind=kind,
            next_attempt_at=now,
            created_at=now,
        )
        for event_id, kind in found
        for endpoint_id, patterns in endpoints
        if matches(patterns, kind)
    ]
    if not rows:
        return []
    with transaction.atomic():
        Delivery.objects.bulk_create(rows)
        for endpoint_id in sorted({row.endpoint_id for row in rows}):
            enqueue_after_commit(tasks.deliver_endpoint, endpoint_id)
    return rows


def on_events(event_ids: list[int]) -> None:
    queue_deliveries(event_ids)
