"""What an endpoint receives: the JSON body of an event and the signed headers."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder

from caredesk.channels.webhooks import signing
from caredesk.core.models import Event
from caredesk.tickets.models import format_reference


def iso_utc(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def document(event: Event) -> dict[str, Any]:
    return {
        "event_id": event.pk,
        "kind": event.kind,
        "created_at": iso_utc(event.created_at),
        "ticket": (
            {"id": event.ticket_id, "reference": format_reference(event.ticket_id)}
            if event.ticket_id is not None
            else None
        ),
        "actor": {"id": event.actor_id, "label": event.actor_label},
        "data": event.data,
    }


def body(event: Event) -> bytes:
    """The exact bytes sent (and signed). Stable: every attempt sends the same body."""
    return json.dumps(
        document(event),
        cls=DjangoJSONEncoder,
        ensure_ascii=False,
        separators=(",", ":"),
        sort_keys=True,
    ).encode("utf-8")


def headers(
    *, delivery_id: int, kind: str, timestamp: int, secret: str, body: bytes
) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "X-Caredesk-Event": kind,
        "X-Caredesk-Delivery": str(delivery_id),
        "X-Caredesk-Timestamp": str(timestamp),
        "X-Caredesk-Signature": signing.signature(secret, timestamp, body),
    }
