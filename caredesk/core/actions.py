"""The state changes of the spine's own rows that people make: their notification
choices and read marks. (The spine's bookkeeping — outbox rows, leases, effect claims, the
event log — is written by the one module that owns each; see docs/contributing.md.)

A change of someone's notification choices is audited (``core.audit``: who, the old and the
new choices). Marking one's own notices read is not: it changes nothing anyone else sees.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

from django.db import transaction
from django.utils.translation import gettext

from caredesk.core import audit, notifications
from caredesk.core.clock import require_aware
from caredesk.core.errors import DomainError
from caredesk.core.models import Notification, NotificationDigest, NotificationPreference
from caredesk.core.notification_prefs import DIGEST_HOURS, Delivery


def do_save_notification_preferences(
    actor: audit.Actor, deliveries: Mapping[str, str], digest_hours: int, now: datetime
) -> None:
    """Store the actor's own choices: per kind in the app / by email / both, and the
    digest interval (0 for none). Unknown kinds or deliveries, or a digest interval not
    offered, are refused with a DomainError and nothing is changed."""
    require_aware(now, "now")
    user_id = actor.pk
    unknown = [k for k in deliveries if k not in notifications.KINDS]
    if unknown:
        raise DomainError(gettext("That notification type does not exist."), code="unknown_kind")
    if any(v not in Delivery.values for v in deliveries.values()):
        raise DomainError(
            gettext("Choose in the app, by email, or both for each notification."),
            code="bad_delivery",
        )
    if digest_hours not in (0, *DIGEST_HOURS):
        raise DomainError(
            gettext("Choose a digest interval from the list (or no digest)."), code="bad_digest"
        )
    with transaction.atomic():
        old = _choices(user_id)
        for kind, delivery in deliveries.items():
            if delivery == notifications.KINDS[kind].default:
                NotificationPreference.objects.filter(user_id=user_id, kind=kind).delete()
            else:
                NotificationPreference.objects.update_or_create(
                    user_id=user_id, kind=kind, defaults={"delivery": delivery}
                )
        _set_digest(user_id, digest_hours, now)
        new = _choices(user_id)
        if new != old:
            audit.record(
                "notification_preferences.changed",
                actor=actor,
                now=now,
                field="notification_preferences",
                old=old,
                new=new,
            )


def _choices(user_id: int) -> dict[str, object]:
    chosen = dict(
        NotificationPreference.objects.filter(user_id=user_id)
        .order_by("kind")
        .values_list("kind", "delivery")
    )
    digest = NotificationDigest.objects.filter(user_id=user_id).first()
    return {"deliveries": chosen, "digest_hours": digest.every_hours if digest else 0}


def _set_digest(user_id: int, digest_hours: int, now: datetime) -> None:
    if not digest_hours:
        NotificationDigest.objects.filter(user_id=user_id).delete()
        return
    digest = NotificationDigest.objects.filter(user_id=user_id).first()
    if digest is None:
        NotificationDigest.objects.create(
            user_id=user_id, every_hours=digest_hours, next_at=now + timedelta(hours=digest_hours)
        )
    elif digest.every_hours != digest_hours:
        start = digest.last_sent_at or now
        digest.every_hours = digest_hours
        digest.next_at = max(start + timedelta(hours=digest_hours), now)
        digest.save(update_fields=["every_hours", "next_at"])


def do_mark_notification_read(user_id: int, notification_id: int, now: datetime) -> bool:
    """Mark one of the user's own notifications read; False if it is not theirs."""
    require_aware(now, "now")
    return (
        Notification.objects.filter(
            pk=notification_id, recipient_id=user_id, read_at__isnull=True
        ).update(read_at=now)
        == 1
    )


def do_mark_all_notifications_read(user_id: int, now: datetime, *, kind: str = "") -> int:
    require_aware(now, "now")
    qs = Notification.objects.filter(recipient_id=user_id, read_at__isnull=True)
    if kind:
        qs = qs.filter(kind=kind)
    return qs.update(read_at=now)
