"""The event-log consumer: committed events become deliveries for matching endpoints.

Registered in ``settings.CAREDESK_EVENT_CONSUMERS``; runs after the action's commit. With
no active endpoint it costs one query; otherwise one read of the events and one INSERT,
then one task per endpoint that got something.

An automation's "call a webhook" step (``automation.webhook``) goes to the one endpoint it
names, whatever that endpoint's event filter, and to no other."""

from __future__ import annotations

from django.db import transaction

from caredesk.channels.webhooks import tasks
from caredesk.channels.webhooks.models import Delivery, Endpoint
from caredesk.channels.webhooks.validation import AUTOMATION_CALL, OWN_PREFIX, matches
from caredesk.core import clock
from caredesk.core.effects import enqueue_after_commit
from caredesk.core.models import Event


def queue_deliveries(event_ids: list[int]) -> list[Delivery]:
    endpoints = list(Endpoint.objects.filter(is_active=True).values_list("pk", "events"))
    if not endpoints or not event_ids:
        return []
    found = list(
        Event.objects.filter(pk__in=event_ids)
        .exclude(kind__startswith=OWN_PREFIX)
        .order_by("pk")
        .values_list("pk", "kind")
    )
    called = _called_endpoints([pk for pk, kind in found if kind == AUTOMATION_CALL])
    active = {endpoint_id for endpoint_id, _ in endpoints}
    now = clock.now()
    pairs = [
        (event_id, kind, endpoint_id)
        for event_id, kind in found
        if kind != AUTOMATION_CALL
        for endpoint_id, patterns in endpoints
        if matches(patterns, kind)
    ] + [
        (event_id, AUTOMATION_CALL, endpoint_id)
        for event_id, endpoint_id in called.items()
        if endpoint_id in active
    ]
    rows = [
        Delivery(
            endpoint_id=endpoint_id,
            event_id=event_id,
            kind=kind,
            next_attempt_at=now,
            created_at=now,
        )
        for event_id, kind, endpoint_id in pairs
    ]
    if not rows:
        return []
    with transaction.atomic():
        Delivery.objects.bulk_create(rows)
        for endpoint_id in sorted({row.endpoint_id for row in rows}):
            enqueue_after_commit(tasks.deliver_endpoint, endpoint_id)
    return rows


def _called_endpoints(event_ids: list[int]) -> dict[int, int]:
    """{event id: the endpoint an automation called}."""
    if not event_ids:
        return {}
    found = Event.objects.filter(pk__in=event_ids).values_list("pk", "data")
    return {
        pk: int(data["endpoint_id"])
        for pk, data in found
        if isinstance(data, dict) and isinstance(data.get("endpoint_id"), int)
    }


def automation_targets() -> dict[int, str]:
    """The endpoints an automation may call (settings.CAREDESK_AUTOMATION_WEBHOOK_TARGETS)."""
    rows = (
        Endpoint.objects.filter(is_active=True)
        .order_by("pk")
        .values_list("pk", "description", "url")
    )
    return {pk: description or url for pk, description, url in rows}


def on_events(event_ids: list[int]) -> None:
    queue_deliveries(event_ids)
