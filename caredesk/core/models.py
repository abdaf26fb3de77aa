"""The spine's tables. Core sits below every app, so rows here refer to cases and people
by id only (no foreign key points up a layer)."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from caredesk.core.mails import BUILT_IN


class Event(models.Model):
    """One domain event ("case.created", "promise.missed", …), appended in the same
    transaction as the change it describes. Rows are never updated or deleted.

    The event log is what machines read (webhooks, automations, cross-app reactions);
    the case's audit log (``tickets.AuditEvent``) is what people read. ``tickets.audit``
    writes both in one place, so they cannot disagree."""

    kind = models.CharField(max_length=60)
    # The case the event is about, if any (tickets sit above core: an id, not a key).
    ticket_id = models.BigIntegerField(null=True, blank=True)
    actor_id = models.BigIntegerField(null=True, blank=True)
    actor_label = models.CharField(max_length=200, blank=True)
    data: models.JSONField[Any] = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ("id",)
        indexes = [
            models.Index(fields=["ticket_id", "id"], name="event_ticket"),
            models.Index(fields=["kind", "id"], name="event_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not kwargs.get("force_insert"):
            raise ValueError("The event log is append-only")
        super().save(*args, **kwargs)


# --- the outbox ------------------------------------------------------------------------
# These tables were the email channel's (``email_*``); the outbox moved below every app
# (docs/adr/0008-outbox-and-notifications-in-core.md). Their names are kept, and the keys
# that pointed at cases, messages and people are now plain indexed ids.


class OutboundState(models.TextChoices):
    QUEUED = "queued", "Queued"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    RETRYING = "retrying", "Retrying"
    FAILED = "failed", "Failed"
    BOUNCED = "bounced", "Bounced"
    SUPPRESSED = "suppressed", "Not sent"


class OutboundEmail(models.Model):
    """One mail caredesk sends, kept until it is delivered to the SMTP server or gives up."""

    class Kind(models.TextChoices):
        REPLY = "reply", "Public reply"
        ACKNOWLEDGEMENT = "ack", "Acknowledgement"
        NOTICE = "notice", "Notice to a sender"
        NOTIFICATION = "notify", "Staff notification"
        SIGN_IN = "signin", "Sign-in link"
        FORWARD = "forward", "A case forwarded by an agent"

    kind = models.CharField(max_length=8, choices=Kind.choices)
    to = models.CharField(max_length=254)
    # More recipients (an agent's reply, a forwarded case): Cc in the header, Bcc on the
    # envelope only (never a header).
    cc: models.JSONField[list[str]] = models.JSONField(default=list, blank=True)
    bcc: models.JSONField[list[str]] = models.JSONField(default=list, blank=True)
    from_email = models.CharField(max_length=320)
    subject = models.CharField(max_length=255)
    text = models.TextField()
    html = models.TextField(blank=True)
    rfc_message_id = models.CharField(max_length=255, unique=True)
    headers: models.JSONField[Any] = models.JSONField(default=dict, blank=True)
    # The case message this mail carries (a reply), and the case: ids, not keys.
    message_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    ticket_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    state = models.CharField(
        max_length=10, choices=OutboundState.choices, default=OutboundState.QUEUED
    )
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "email_outboundemail"
        ordering = ("-created_at", "-id")
        indexes = [
            models.Index(fields=["state", "next_attempt_at"], name="outbound_due"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} to {self.to} ({self.state})"


class MailTemplate(models.Model):
    """An admin's version of one of caredesk's mails (any name in
    ``caredesk.core.mails.BUILT_IN``). Without a row the built-in one is used."""

    name = models.CharField(max_length=60, unique=True)
    subject = models.CharField(
        max_length=255,
        blank=True,
        help_text="Django template; empty keeps the built-in subject. The case token "
        "[CD-…] is always kept so replies find their case.",
    )
    text = models.TextField(help_text="Plain-text body (Django template syntax).")
    html = models.TextField(blank=True, help_text="Optional HTML body (Django template syntax).")
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by_id = models.BigIntegerField(null=True, blank=True, db_index=True)

    class Meta:
        db_table = "email_mailtemplate"
        ordering = ("name",)

    def __str__(self) -> str:
        mail = BUILT_IN.get(self.name)
        return mail.description if mail else self.name


class AutoReplyLog(models.Model):
    """The last automatic mail sent to an address; caps automatic replies per sender."""

    address = models.CharField(max_length=254, unique=True)
    last_sent_at = models.DateTimeField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        db_table = "email_autoreplylog"

    def __str__(self) -> str:
        return f"{self.address} at {self.last_sent_at}"


class EmailLink(models.Model):
    """Ties a case message to its RFC 5322 Message-ID, in both directions: inbound intake
    writes one per filed mail, the outbox one per reply it sends. The outbox reads the
    case's chain for In-Reply-To/References; intake reads it to thread replies."""

    class Direction(models.TextChoices):
        INBOUND = "in", "Inbound"
        OUTBOUND = "out", "Outbound"

    message_id = models.BigIntegerField(db_index=True)
    ticket_id = models.BigIntegerField(db_index=True)
    rfc_message_id = models.CharField(max_length=255)
    direction = models.CharField(max_length=3, choices=Direction.choices)
    in_reply_to = models.CharField(max_length=255, blank=True)
    references = models.TextField(blank=True)
    from_address = models.CharField(max_length=254, blank=True)
    # Quoted history and signature, kept apart from the new text shown in the timeline.
    quoted_text = models.TextField(blank=True)
    signature = models.TextField(blank=True)
    # The stored inbound mail (email channel's RawMessage), for inbound links.
    raw_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "email_emaillink"
        indexes = [
            models.Index(fields=["rfc_message_id"], name="emaillink_message_id"),
        ]

    def __str__(self) -> str:
        return f"{self.direction} {self.rfc_message_id}"


# --- notifications ---------------------------------------------------------------------


class Notification(models.Model):
    """Something a person should know about ("an SLA breach on CD-12 was escalated to
    you"), shown in the notification center and mailed as the person prefers. Written by
    ``caredesk.core.notifications.notify`` inside the action that caused it."""

    recipient_id = models.BigIntegerField()
    kind = models.CharField(max_length=40)
    ticket_id = models.BigIntegerField(null=True, blank=True)
    subject = models.CharField(max_length=255)
    body = models.TextField(blank=True)
    link = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField()
    read_at = models.DateTimeField(null=True, blank=True)
    # When it went out by mail (alone or in a digest); empty while a digest may take it.
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at", "-id")
        indexes = [
            # "My unread, newest first" and the badge's COUNT: one index range.
            models.Index(
                fields=["recipient_id", "read_at", "-created_at"], name="notification_inbox"
            ),
            models.Index(fields=["recipient_id", "-created_at"], name="notification_all"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} for {self.recipient_id}: {self.subject}"


class NotificationPreference(models.Model):
    """How one person wants one kind of notification; without a row the kind's default."""

    class Delivery(models.TextChoices):
        IN_APP = "in_app", _("In the app only")
        EMAIL = "email", _("By email only")
        BOTH = "both", _("In the app and by email")

    user_id = models.BigIntegerField()
    kind = models.CharField(max_length=40)
    delivery = models.CharField(max_length=8, choices=Delivery.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user_id", "kind"], name="notification_pref_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind}: {self.delivery}"


class NotificationDigest(models.Model):
    """A person who gets their notification mail as one digest every ``every_hours``
    hours instead of one mail per notice. ``next_at`` is when the next one is due (the
    periodic job's range scan)."""

    user_id = models.BigIntegerField(unique=True)
    every_hours = models.PositiveSmallIntegerField()
    next_at = models.DateTimeField(db_index=True)
    last_sent_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"digest for {self.user_id} every {self.every_hours} h"


class WorkerLease(models.Model):
    """A worker process that runs tasks says it is alive by renewing this row every few
    seconds (:mod:`caredesk.core.leases`). A task marked RUNNING whose worker has no live
    lease is put back in the queue by :mod:`caredesk.core.recovery`.

    ``worker_id`` is the id the worker gives django-tasks-db's ``db_worker``
    (``--worker-id``), so it is what the queue records in ``DBTaskResult.worker_ids``."""

    worker_id = models.CharField(max_length=64)
    host = models.CharField(max_length=255)
    pid = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    heartbeat_at = models.DateTimeField()
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        # A constraint, not unique=True: on PostgreSQL the latter adds a second
        # (LIKE) index that nothing here uses.
        constraints = [models.UniqueConstraint(fields=["worker_id"], name="unique_worker_lease")]

    def __str__(self) -> str:
        return f"{self.worker_id} ({self.host}, pid {self.pid})"


class EffectClaim(models.Model):
    """One side effect that has happened (a mail queued, a case acknowledged), by key.

    A task that may run twice (a worker died after its work committed, before the queue
    recorded it as done) claims its effect's key in the same transaction as the effect
    (:func:`caredesk.core.once.claim`): the second run finds the key and does nothing."""

    key = models.CharField(max_length=200)
    claimed_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["key"], name="unique_effect_claim")]

    def __str__(self) -> str:
        return self.key
