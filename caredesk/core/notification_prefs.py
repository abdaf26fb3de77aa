"""Who wants what by mail: per-kind delivery, and the digest.

Each person chooses per notification kind: in the app, by email, or both (without a
choice, the kind's default). Anyone may take their notification mail as a **digest**:
one mail every N hours listing what is still unread, instead of one mail per notice.
:func:`send_digests` is a periodic job (``settings.CAREDESK_PERIODIC_JOBS``): a range
scan on the indexed ``next_at``, each digest claimed with a conditional UPDATE, so two
workers or a rerun never send one twice.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.db import transaction

from caredesk.core import notifications
from caredesk.core.models import (
    Notification,
    NotificationDigest,
    NotificationPreference,
    OutboundEmail,
)
from caredesk.core.outbox import send_mail

Delivery = NotificationPreference.Delivery

log = logging.getLogger(__name__)

DIGEST_HOURS = (1, 2, 4, 8, 12, 24)
DIGEST_ITEMS = 50
DIGEST_BATCH = 200
EMAILED = (Delivery.EMAIL, Delivery.BOTH)


def delivery_for(user_id: int, kind: str) -> str:
    chosen = (
        NotificationPreference.objects.filter(user_id=user_id, kind=kind)
        .values_list("delivery", flat=True)
        .first()
    )
    return chosen or notifications.KINDS[kind].default


def has_digest(user_id: int) -> bool:
    return NotificationDigest.objects.filter(user_id=user_id).exists()


@dataclass(frozen=True)
class Choice:
    kind: str
    label: str
    group: str
    delivery: str
    default: str


@dataclass(frozen=True)
class Preferences:
    choices: list[Choice]
    digest_hours: int  # 0: no digest


def preferences(user_id: int) -> Preferences:
    chosen = dict(
        NotificationPreference.objects.filter(user_id=user_id).values_list("kind", "delivery")
    )
    digest = NotificationDigest.objects.filter(user_id=user_id).first()
    return Preferences(
        choices=[
            Choice(k.name, str(k.label), str(k.group), chosen.get(k.name, k.default), k.default)
            for k in notifications.KINDS.values()
        ],
        digest_hours=digest.every_hours if digest else 0,
    )


def _emailed_kinds(user_id: int) -> list[str]:
    chosen = dict(
        NotificationPreference.objects.filter(user_id=user_id).values_list("kind", "delivery")
    )
    return [
        k.name for k in notifications.KINDS.values() if chosen.get(k.name, k.default) in EMAILED
    ]


def send_digest(digest: NotificationDigest, now: datetime) -> int:
    """Claim this digest (if it is still due) and mail it. Returns the items listed."""
    with transaction.atomic():
        claimed = NotificationDigest.objects.filter(pk=digest.pk, next_at=digest.next_at).update(
            next_at=now + timedelta(hours=digest.every_hours), last_sent_at=now
        )
        if not claimed:
            return 0
        user = get_user_model().objects.filter(pk=digest.user_id, is_active=True).first()
        if user is None or not user.email:
            return 0
        pending = Notification.objects.filter(
            recipient_id=digest.user_id,
            read_at__isnull=True,
            emailed_at__isnull=True,
            created_at__lte=now,
            kind__in=_emailed_kinds(digest.user_id),
        )
        rows = list(pending.order_by("-created_at", "-id")[:DIGEST_ITEMS])
        if not rows:
            return 0
        count = pending.update(emailed_at=now)
        items = [{"subject": r.subject, "url": notifications.absolute(r.link)} for r in rows]
        send_mail(
            "digest",
            user.email,
            {
                "items": items,
                "count": count,
                "more": max(count - len(rows), 0),
                "recipient_language": getattr(user, "language", ""),
            },
            now=now,
            kind=OutboundEmail.Kind.NOTIFICATION,
            auto=True,
        )
        return count


def send_digests(now: datetime) -> str:
    """The periodic job: send every digest that is due."""
    due = list(
        NotificationDigest.objects.filter(next_at__lte=now).order_by("next_at", "id")[:DIGEST_BATCH]
    )
    sent = 0
    for digest in due:
        try:
            if send_digest(digest, now):
                sent += 1
        except Exception:
            log.exception("digest for user %s failed", digest.user_id)
    return f"{sent} digests" if sent else "no digests due"
