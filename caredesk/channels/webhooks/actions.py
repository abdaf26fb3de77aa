"""Every change to webhook endpoints, and redeliveries. Each runs in one transaction and
appends a ``webhook.*`` event (the audit record; never itself delivered by webhooks)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from django.db import transaction

from caredesk.accounts.models import Role, User
from caredesk.channels.webhooks import delivery, signing, tasks, validation
from caredesk.channels.webhooks.models import Delivery, DeliveryState, Endpoint
from caredesk.channels.webhooks.notices import tell_admins
from caredesk.core import events
from caredesk.core.clock import require_aware
from caredesk.core.effects import enqueue_after_commit
from caredesk.core.errors import Conflict, PermissionDenied

UNSET: Any = object()


def require_admin(actor: User) -> User:
    if not (actor.is_active and actor.role == Role.ADMIN):
        raise PermissionDenied("Only admins can manage webhooks.", code="admins_only")
    return actor


def shown_url(url: str) -> str:
    """The URL without its query string, for the event log (queries often hold tokens)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"


def _emit(kind: str, endpoint: Endpoint, actor: User | None, now: datetime, **data: Any) -> None:
    events.emit(
        kind,
        now=now,
        actor_id=actor.pk if actor is not None else None,
        actor_label=actor.display_name if actor is not None else "caredesk",
        data={"endpoint_id": endpoint.pk, **data},
        subject=endpoint,
    )


def _locked(endpoint: Endpoint) -> Endpoint:
    return Endpoint.objects.select_for_update().get(pk=endpoint.pk)


def do_create_endpoint(
    *,
    actor: User,
    url: str,
    description: str = "",
    events: Iterable[str] = ("*",),
    is_active: bool = True,
    now: datetime,
) -> tuple[Endpoint, str]:
    """A new endpoint and its secret (the only time the secret is returned, with rotate)."""
    require_admin(actor)
    require_aware(now, "now")
    url = validation.check_url(url)
    description = validation.clean_description(description)
    patterns = validation.clean_patterns(events)
    secret = signing.new_secret()
    with transaction.atomic():
        endpoint = Endpoint.objects.create(
            url=url,
            description=description,
            events=patterns,
            is_active=is_active,
            secret_encrypted=signing.encrypt(secret),
            secret_prefix=signing.shown_prefix(secret),
            secret_rotated_at=now,
            created_by=actor,
            created_at=now,
            updated_at=now,
            disabled_at=None if is_active else now,
            disabled_reason="" if is_active else f"Created disabled by {actor.display_name}.",
        )
        _emit(
            "webhook.endpoint_created",
            endpoint,
            actor,
            now,
            url=shown_url(url),
            description=description,
            events=patterns,
            is_active=is_active,
        )
    return endpoint, secret


def do_update_endpoint(
    endpoint: Endpoint,
    *,
    actor: User,
    now: datetime,
    url: str = UNSET,
    description: str = UNSET,
    events: Iterable[str] = UNSET,
    is_active: bool = UNSET,
) -> Endpoint:
    """Change what was given; switching ``is_active`` disables or enables."""
    require_admin(actor)
    require_aware(now, "now")
    new: dict[str, Any] = {}
    if url is not UNSET:
        new["url"] = validation.check_url(url)
    if description is not UNSET:
        new["description"] = validation.clean_description(description)
    if events is not UNSET:
        new["events"] = validation.clean_patterns(events)
    with transaction.atomic():
        endpoint = _locked(endpoint)
        changes = {
            name: {"old": getattr(endpoint, name), "new": value}
            for name, value in new.items()
            if getattr(endpoint, name) != value
        }
        if changes:
            for name in changes:
                setattr(endpoint, name, new[name])
            endpoint.updated_at = now
            endpoint.save(update_fields=[*changes, "updated_at"])
            if "url" in changes:
                changes["url"] = {k: shown_url(v) for k, v in changes["url"].items()}
            _emit("webhook.endpoint_updated", endpoint, actor, now, changes=changes)
        if is_active is not UNSET and is_active != endpoint.is_active:
            if is_active:
                endpoint = do_enable_endpoint(endpoint, actor=actor, now=now)
            else:
                endpoint = do_disable_endpoint(
                    endpoint, actor=actor, reason=f"Disabled by {actor.display_name}.", now=now
                )
    return endpoint


def do_delete_endpoint(endpoint: Endpoint, *, actor: User, now: datetime) -> None:
    """Remove the endpoint and its delivery log (the events themselves stay)."""
    require_admin(actor)
    with transaction.atomic():
        endpoint = _locked(endpoint)
        _emit(
            "webhook.endpoint_deleted",
            endpoint,
            actor,
            now,
            url=shown_url(endpoint.url),
            deliveries=endpoint.deliveries.count(),
        )
        endpoint.delete()


def do_rotate_secret(endpoint: Endpoint, *, actor: User, now: datetime) -> tuple[Endpoint, str]:
    """A new secret, effective for the next attempt; the old one stops working at once."""
    require_admin(actor)
    secret = signing.new_secret()
    with transaction.atomic():
        endpoint = _locked(endpoint)
        old_prefix = endpoint.secret_prefix
        endpoint.secret_encrypted = signing.encrypt(secret)
        endpoint.secret_prefix = signing.shown_prefix(secret)
        endpoint.secret_rotated_at = now
        endpoint.updated_at = now
        endpoint.save(
            update_fields=["secret_encrypted", "secret_prefix", "secret_rotated_at", "updated_at"]
        )
        _emit(
            "webhook.secret_rotated",
            endpoint,
            actor,
            now,
            old={"secret_prefix": old_prefix},
            new={"secret_prefix": endpoint.secret_prefix},
        )
    return endpoint, secret


def do_disable_endpoint(
    endpoint: Endpoint, *, actor: User | None, reason: str, now: datetime
) -> Endpoint:
    """Stop sending. Waiting deliveries are cancelled (each can be redelivered later).
    ``actor=None`` is caredesk itself after repeated failure: admins are told."""
    if actor is not None:
        require_admin(actor)
    reason = " ".join(reason.split())[:500]
    with transaction.atomic():
        endpoint = _locked(endpoint)
        if not endpoint.is_active:
            return endpoint
        endpoint.is_active = False
        endpoint.disabled_at = now
        endpoint.disabled_reason = reason
        endpoint.updated_at = now
        endpoint.save(update_fields=["is_active", "disabled_at", "disabled_reason", "updated_at"])
        cancelled = Delivery.objects.filter(endpoint=endpoint, state=DeliveryState.PENDING).update(
            state=DeliveryState.CANCELLED,
            next_attempt_at=None,
            last_error="Not sent: the endpoint was disabled first. Redeliver it if needed.",
        )
        _emit(
            "webhook.disabled",
            endpoint,
            actor,
            now,
            automatic=actor is None,
            reason=reason,
            cancelled_deliveries=cancelled,
            old={"is_active": True},
            new={"is_active": False},
        )
        if actor is None:
            tell_admins(
                f"Webhook endpoint disabled: {shown_url(endpoint.url)[:150]}",
                f"caredesk stopped sending webhooks to {shown_url(endpoint.url)}"
                f"{f' ({endpoint.description})' if endpoint.description else ''}.\n\n"
                f"{reason}\n\n"
                f"{cancelled} waiting deliveries were not sent; they stay in the delivery "
                "log, where each can be redelivered. Events that happen while the endpoint "
                "is disabled are not sent. Enable it again once the receiver works.",
                now=now,
            )
    return endpoint


def do_enable_endpoint(endpoint: Endpoint, *, actor: User, now: datetime) -> Endpoint:
    """Send again, from the next event on; the failure count starts again from zero."""
    require_admin(actor)
    with transaction.atomic():
        endpoint = _locked(endpoint)
        if endpoint.is_active:
            return endpoint
        old_reason = endpoint.disabled_reason
        endpoint.is_active = True
        endpoint.disabled_at = None
        endpoint.disabled_reason = ""
        endpoint.consecutive_failures = 0
        endpoint.failing_since = None
        endpoint.updated_at = now
        endpoint.save(
            update_fields=[
                "is_active",
                "disabled_at",
                "disabled_reason",
                "consecutive_failures",
                "failing_since",
                "updated_at",
            ]
        )
        _emit(
            "webhook.enabled",
            endpoint,
            actor,
            now,
            old={"is_active": False, "disabled_reason": old_reason},
            new={"is_active": True},
        )
    return endpoint


def do_redeliver(delivery: Delivery, *, actor: User, now: datetime) -> Delivery:
    """Send the delivery's event to its endpoint again, as a new delivery (a new id and,
    when it is sent, a fresh timestamp and signature)."""
    require_admin(actor)
    with transaction.atomic():
        endpoint = _locked(delivery.endpoint)
        if delivery.state == DeliveryState.PENDING:
            raise Conflict(
                "This delivery has not finished yet; it is retried on its own schedule.",
                code="delivery_pending",
            )
        if not endpoint.is_active:
            raise Conflict(
                "This endpoint is disabled; enable it before redelivering.",
                code="endpoint_disabled",
            )
        again = Delivery.objects.create(
            endpoint=endpoint,
            event_id=delivery.event_id,
            kind=delivery.kind,
            next_attempt_at=now,
            created_at=now,
            redelivery_of=delivery,
            requested_by=actor,
        )
        _emit(
            "webhook.redelivery_requested",
            endpoint,
            actor,
            now,
            delivery_id=delivery.pk,
            new_delivery_id=again.pk,
            event_id=delivery.event_id,
        )
        enqueue_after_commit(tasks.deliver_endpoint, endpoint.pk)
    return again


def do_fire_retry(delivery_id: int, now: datetime) -> bool:
    """The ``webhook.retry`` deadline (a waiting delivery whose ``next_attempt_at`` has
    come: a retry, or a first try whose task never ran): hand its endpoint to the endpoint's
    task, which sends the queue in order under the endpoint lease. The HTTP call is never
    made here, so a slow receiver cannot hold up the minute sweep. The row stays due until
    that task sends it; a lost task is handed on again a minute later, and a duplicate finds
    the lease taken or the queue empty. A delivery queued behind a retrying one is moved to
    wait for it. Returns True when a task was handed the endpoint."""
    require_aware(now, "now")
    found = (
        Delivery.objects.filter(pk=delivery_id, state=DeliveryState.PENDING)
        .values_list("endpoint_id", flat=True)
        .first()
    )
    if found is None:
        return False
    head = delivery.waiting(found)
    behind = head is not None and head.pk != delivery_id and head.next_attempt_at is not None
    if behind and head is not None and head.next_attempt_at and head.next_attempt_at > now:
        delivery.hold_back(found, head, head.next_attempt_at)
        return False
    enqueue_after_commit(tasks.deliver_endpoint, found, as_of=now.isoformat())
    return True
