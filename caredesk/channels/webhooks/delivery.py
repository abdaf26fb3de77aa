"""Sending deliveries: one endpoint at a time, oldest event first, with retries.

Order. A worker first takes the endpoint's *lease* (a conditional UPDATE on the endpoint
row: only one holder until it releases it or the lease runs out), then sends that
endpoint's waiting deliveries one by one, lowest event id first. A delivery is never
sent while an earlier one to the same endpoint is waiting for a retry: the queue holds
back behind it (the later rows' ``next_attempt_at`` is moved to the retry's time, so
the due scan does not keep finding them). Two workers therefore never send one
endpoint's deliveries at the same time or out of order.

Each attempt is claimed before it is sent (attempts + 1, and ``next_attempt_at`` moved
past the lease), so a worker that dies mid-send leaves a delivery that is retried after
the lease, never one that is lost or retried forever.
"""

from __future__ import annotations

import logging
import random
import secrets
import time
from collections.abc import Callable
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import F, Q
from django.db.models.functions import Coalesce

from caredesk.channels.webhooks import actions, payload, signing, transport
from caredesk.channels.webhooks.models import Delivery, DeliveryState, Endpoint
from caredesk.core import deadlines
from caredesk.core.clock import require_aware
from caredesk.core.errors import DomainError

log = logging.getLogger(__name__)

# The wait after each failed attempt; the attempt after the last wait is the final one.
# 8 attempts over about 32½ hours (each wait ±10 % jitter).
RETRY_DELAYS = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=6),
    timedelta(hours=12),
    timedelta(hours=12),
)
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1
RETRY = "webhook.retry"  # the deadline kind (settings.CAREDESK_DEADLINES)
JITTER = 0.1
# At most this many deliveries per drain; a longer queue is continued by the next task.
DRAIN_LIMIT = 500


def connect_timeout() -> float:
    return float(getattr(settings, "CAREDESK_WEBHOOK_CONNECT_TIMEOUT", 5.0))


def read_timeout() -> float:
    return float(getattr(settings, "CAREDESK_WEBHOOK_READ_TIMEOUT", 10.0))


def lease_length() -> timedelta:
    """Long enough for one attempt, so a live worker never loses its lease mid-send."""
    return timedelta(seconds=2 * (connect_timeout() + read_timeout()) + 30)


def retry_delay(attempts: int, rng: random.Random | None = None) -> timedelta | None:
    """How long to wait after the ``attempts``-th failed attempt; None after the last."""
    if attempts >= MAX_ATTEMPTS:
        return None
    base = RETRY_DELAYS[max(attempts, 1) - 1]
    return base * (rng or random).uniform(1 - JITTER, 1 + JITTER)


def stopwatch(now: datetime) -> Callable[[], datetime]:
    """``now`` plus the time spent since: each attempt of a long drain is stamped (and
    signed) with its own time, so no timestamp goes stale."""
    require_aware(now, "now")
    started = time.monotonic()
    return lambda: now + timedelta(seconds=time.monotonic() - started)


# --- the endpoint lease ----------------------------------------------------------------


def claim_endpoint(endpoint_id: int, now: datetime) -> str | None:
    token = secrets.token_hex(16)
    free = Q(lease_until__isnull=True) | Q(lease_until__lt=now)
    taken = Endpoint.objects.filter(free, pk=endpoint_id, is_active=True).update(
        lease_token=token, lease_until=now + lease_length()
    )
    return token if taken else None


def extend_lease(endpoint_id: int, token: str, now: datetime) -> Endpoint | None:
    """The endpoint, if this worker still holds its lease and it is active."""
    kept = Endpoint.objects.filter(pk=endpoint_id, lease_token=token, is_active=True).update(
        lease_until=now + lease_length()
    )
    if not kept:
        return None
    return Endpoint.objects.filter(pk=endpoint_id).first()


def release(endpoint_id: int, token: str) -> None:
    Endpoint.objects.filter(pk=endpoint_id, lease_token=token).update(
        lease_token="", lease_until=None
    )


# --- the queue -------------------------------------------------------------------------


def waiting(endpoint_id: int) -> Delivery | None:
    """The endpoint's next delivery: the waiting one with the lowest event id."""
    return (
        Delivery.objects.filter(endpoint_id=endpoint_id, state=DeliveryState.PENDING)
        .select_related("event")
        .order_by("event_id", "id")
        .first()
    )


def hold_back(endpoint_id: int, head: Delivery, until: datetime) -> None:
    """Deliveries behind a retrying one wait for it (and stop looking due)."""
    Delivery.objects.filter(
        endpoint_id=endpoint_id, state=DeliveryState.PENDING, next_attempt_at__lt=until
    ).exclude(pk=head.pk).update(next_attempt_at=until)


def head_is_due(endpoint_id: int, now: datetime) -> bool:
    head = waiting(endpoint_id)
    return head is not None and head.next_attempt_at is not None and head.next_attempt_at <= now


def drain(endpoint_id: int, now: datetime, *, limit: int = DRAIN_LIMIT) -> int:
    """Send the endpoint's due deliveries in order. Returns how many attempts were made.
    Returns at once when another worker holds the endpoint (it sends these too)."""
    clock = stopwatch(now)
    attempted = 0
    while attempted < limit:
        token = claim_endpoint(endpoint_id, clock())
        if token is None:
            break
        try:
            attempted += _send_queue(endpoint_id, token, clock, limit - attempted)
        finally:
            release(endpoint_id, token)
        # A delivery queued while we held the lease found it taken: look once more.
        if not head_is_due(endpoint_id, clock()):
            break
    return attempted


def _send_queue(endpoint_id: int, token: str, clock: Callable[[], datetime], budget: int) -> int:
    attempted = 0
    while attempted < budget:
        at = clock()
        head = waiting(endpoint_id)
        if head is None or head.next_attempt_at is None:
            return attempted
        if head.next_attempt_at > at:
            hold_back(endpoint_id, head, head.next_attempt_at)
            return attempted
        endpoint = extend_lease(endpoint_id, token, at)
        if endpoint is None or not _claim(head, at):
            return attempted
        outcome = attempt(endpoint, head, at)
        attempted += 1
        if not record(endpoint, head, outcome, clock()):
            return attempted
    return attempted


def _claim(delivery: Delivery, now: datetime) -> bool:
    claimed = Delivery.objects.filter(
        pk=delivery.pk,
        state=DeliveryState.PENDING,
        attempts=delivery.attempts,
        next_attempt_at__lte=now,
    ).update(attempts=F("attempts") + 1, next_attempt_at=now + lease_length(), last_attempt_at=now)
    if claimed:
        delivery.attempts += 1
    return bool(claimed)


def attempt(endpoint: Endpoint, delivery: Delivery, now: datetime) -> transport.Outcome:
    """One signed POST, stamped with ``now``."""
    try:
        secret = signing.decrypt(endpoint.secret_encrypted)
    except DomainError as exc:
        return transport.Outcome(status=None, latency_ms=None, excerpt="", error=exc.message)
    body = payload.body(delivery.event)
    headers = payload.headers(
        delivery_id=delivery.pk,
        kind=delivery.kind,
        timestamp=int(now.timestamp()),
        secret=secret,
        body=body,
    )
    return transport.post(
        endpoint.url,
        body,
        headers,
        connect_timeout=connect_timeout(),
        read_timeout=read_timeout(),
    )


def record(
    endpoint: Endpoint, delivery: Delivery, outcome: transport.Outcome, now: datetime
) -> bool:
    """Store the outcome. True when the queue may go on to the next delivery."""
    fields = {
        "last_status_code": outcome.status,
        "last_latency_ms": outcome.latency_ms,
        "last_response_excerpt": outcome.excerpt,
        "last_error": outcome.error[:2000],
    }
    rows = Delivery.objects.filter(pk=delivery.pk, state=DeliveryState.PENDING)
    if outcome.ok:
        rows.update(state=DeliveryState.SUCCEEDED, next_attempt_at=None, delivered_at=now, **fields)
        Endpoint.objects.filter(pk=endpoint.pk).update(
            consecutive_failures=0, failing_since=None, last_success_at=now
        )
        return True
    Endpoint.objects.filter(pk=endpoint.pk).update(
        consecutive_failures=F("consecutive_failures") + 1,
        failing_since=Coalesce(F("failing_since"), now),
    )
    delay = retry_delay(delivery.attempts)
    if delay is not None:
        retry_at = now + delay
        rows.update(next_attempt_at=retry_at, **fields)
        hold_back(endpoint.pk, delivery, retry_at)
        deadlines.schedule(RETRY, [delivery.pk], retry_at)
        return False
    rows.update(state=DeliveryState.FAILED, next_attempt_at=None, **fields)
    _give_up(endpoint, delivery, outcome, now)
    return False


def _give_up(
    endpoint: Endpoint, delivery: Delivery, outcome: transport.Outcome, now: datetime
) -> None:
    """Every attempt of a delivery failed over the whole schedule (more than 24 hours,
    with nothing delivered since, as the queue held back behind it): disable."""
    reason = (
        f"Delivery {delivery.pk} failed all {MAX_ATTEMPTS} attempts over more than 24 hours, "
        f"and nothing was delivered meanwhile. Last error: {outcome.error}"
    )[:500]
    fresh = Endpoint.objects.filter(pk=endpoint.pk).first()
    if fresh is not None and fresh.is_active:
        actions.do_disable_endpoint(fresh, actor=None, reason=reason, now=now)
