"""Telling someone: one :func:`notify` for every notice caredesk gives a person.

``notify`` is called inside the action's transaction: it writes the in-app
:class:`Notification` row there and then, and — as the recipient prefers for that kind
(``caredesk.core.notification_prefs``) — mails it through the outbox after commit, or
leaves it for their digest. The registry :data:`KINDS` lists every kind with its label
and default delivery, so preferences and the center's filter list them.

Core sits below every app: recipients are any object with ``pk``, ``email`` and
``is_active`` (a staff user), cases are ids.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from caredesk.core import clock, notification_prefs
from caredesk.core.background import task
from caredesk.core.clock import require_aware
from caredesk.core.effects import enqueue_after_commit
from caredesk.core.models import Notification, NotificationPreference, OutboundEmail
from caredesk.core.outbox import send_mail

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

Delivery = NotificationPreference.Delivery

MAX_SUBJECT = 255
MAX_BODY = 20_000
MAX_LINK = 500


@dataclass(frozen=True)
class Kind:
    name: str
    label: StrOrPromise
    default: str = Delivery.BOTH
    # Shown in preferences, under this heading (translated when shown: gettext_lazy).
    group: StrOrPromise = ""


KINDS: dict[str, Kind] = {}


def register_kind(kind: Kind) -> Kind:
    if not kind.name or len(kind.name) > 40 or not kind.name.replace("_", "").isalnum():
        raise ValueError(f"notification kinds are short identifiers, got {kind.name!r}")
    if kind.default not in Delivery.values:
        raise ValueError(f"unknown default delivery {kind.default!r}")
    KINDS[kind.name] = kind
    return kind


for _kind in (
    Kind("sla_warning", _("SLA target close"), group=_("SLA")),
    Kind("sla_breach", _("SLA target missed"), group=_("SLA")),
    Kind("sla_assigned", _("Case assigned to you automatically"), Delivery.IN_APP, group=_("SLA")),
    Kind("promise_reminder", _("Promise due soon"), group=_("Promises")),
    Kind("promise_missed", _("Promise missed"), group=_("Promises")),
    Kind("promise_escalated", _("Missed promise escalated to you"), group=_("Promises")),
    Kind("promise_handed", _("Promise handed to you"), group=_("Promises")),
    Kind("escalation", _("Case escalated to you"), group=_("Escalations and approvals")),
    Kind("escalation_stalled", _("Escalation unanswered"), group=_("Escalations and approvals")),
    Kind(
        "escalation_answered", _("Your escalation answered"), group=_("Escalations and approvals")
    ),
    Kind("approval", _("Approval needed"), group=_("Escalations and approvals")),
    Kind("approval_stalled", _("Approval undecided"), group=_("Escalations and approvals")),
    Kind("approval_decided", _("Your request decided"), group=_("Escalations and approvals")),
    Kind("feedback_complaint", _("Complaint to review"), group=_("Feedback")),
    Kind("feedback_kudos", _("Kudos for you"), group=_("Feedback")),
    Kind("feedback_reviewed", _("Complaint about you reviewed"), group=_("Feedback")),
    Kind("mention", _("Mentioned in an internal note"), group=_("Cases")),
    Kind("resolution_rejected", _("Customer says a resolved case is not solved"), group=_("Cases")),
    Kind("webhook_disabled", _("Webhook endpoint disabled"), group=_("Administration")),
):
    register_kind(_kind)

# Escalations (issue 15): a level of the ladder had nobody working to take an item.
register_kind(
    Kind(
        "escalation_unstaffed",
        _("Nobody available at a level"),
        group=_("Escalations and approvals"),
    )
)


def kind_label(name: str) -> str:
    kind = KINDS.get(name)
    return str(kind.label) if kind else name.replace("_", " ").capitalize()


class Recipient(Protocol):
    @property
    def pk(self) -> int | None: ...
    @property
    def email(self) -> str: ...
    @property
    def is_active(self) -> bool: ...


def one_line(text: str, limit: int) -> str:
    """Whitespace (newlines included) collapsed; clipped with an ellipsis."""
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _clean_link(link: str, ticket_id: int | None) -> str:
    link = (link or "").strip()
    if not link and ticket_id is not None:
        return f"/cases/{ticket_id}/"
    if not link:
        return ""
    # Only paths on this site: never another host, never a script URL.
    if not link.startswith("/") or link.startswith("//") or "\\" in link:
        raise ValueError(f"a notification links to a path on this site, got {link[:60]!r}")
    if len(link) > MAX_LINK or any(c.isspace() for c in link):
        raise ValueError("a notification link is one short path")
    return link


def notify(
    recipient: Recipient | None,
    kind: str,
    *,
    subject: str,
    body: str = "",
    now: datetime,
    ticket_id: int | None = None,
    link: str = "",
) -> Notification | None:
    """Tell ``recipient`` something. Call inside the action's transaction.

    The in-app row is written now; a mail goes through the outbox after commit when the
    recipient's preference for ``kind`` includes email (or waits for their digest).
    Nobody, an inactive person or an empty subject: nothing happens (None). The subject
    is one line (clipped at 255 characters), the body plain text (clipped at 20,000), the
    link a path on this site (default: the case). Unknown kinds raise ValueError."""
    require_aware(now, "now")
    if kind not in KINDS:
        raise ValueError(f"unknown notification kind {kind!r}")
    if recipient is None or not recipient.is_active or recipient.pk is None:
        return None
    subject = one_line(subject, MAX_SUBJECT)
    if not subject:
        return None
    body = (body or "").strip()
    if len(body) > MAX_BODY:
        body = body[: MAX_BODY - 1].rstrip() + "…"
    delivery = notification_prefs.delivery_for(recipient.pk, kind)
    row = Notification.objects.create(
        recipient_id=recipient.pk,
        kind=kind,
        ticket_id=ticket_id,
        subject=subject,
        body=body,
        link=_clean_link(link, ticket_id),
        created_at=now,
        # Email only: kept in the history, not waiting in the app.
        read_at=now if delivery == Delivery.EMAIL else None,
    )
    wants_mail = delivery in (Delivery.EMAIL, Delivery.BOTH) and bool(recipient.email)
    if wants_mail and not notification_prefs.has_digest(recipient.pk):
        language = str(getattr(recipient, "language", "") or "")
        enqueue_after_commit(mail_notification_task, row.pk, recipient.email, language)
    return row


def absolute(link: str) -> str:
    return f"{settings.SITE_URL}{link}" if link else ""


@task()
def mail_notification_task(notification_id: int, address: str, language: str = "") -> None:
    """A task, so a worker that dies after the action commits still mails it."""
    mail_notification(notification_id, address, clock.now(), language=language)


def mail_notification(
    notification_id: int, address: str, now: datetime, *, language: str = ""
) -> None:
    """Mail one notification (after commit) in the recipient's ``language`` (their
    ``User.language``, read when they were notified). Claimed first, so it is mailed once."""
    with transaction.atomic():
        claimed = Notification.objects.filter(pk=notification_id, emailed_at__isnull=True).update(
            emailed_at=now
        )
        if not claimed:
            return
        row = Notification.objects.get(pk=notification_id)
        send_mail(
            "notification",
            address,
            {
                "notification": row,
                "url": absolute(row.link),
                "kind": kind_label(row.kind),
                "recipient_language": language,
            },
            now=now,
            kind=OutboundEmail.Kind.NOTIFICATION,
            auto=True,
            case_id=row.ticket_id,
        )


# --- reads (marking read is caredesk.core.actions) ---------------------------------------


def for_user(user_id: int, *, kind: str = "", unread: bool = False) -> QuerySet[Notification]:
    qs = Notification.objects.filter(recipient_id=user_id)
    if unread:
        qs = qs.filter(read_at__isnull=True)
    if kind:
        qs = qs.filter(kind=kind)
    return qs.order_by("-created_at", "-id")


def unread_count(user_id: int) -> int:
    """One COUNT on the ``notification_inbox`` index."""
    return Notification.objects.filter(recipient_id=user_id, read_at__isnull=True).count()
