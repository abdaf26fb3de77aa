"""The email channel's own rows: raw inbound mail, participants, bounces and the
configured IMAP mailboxes. The outbox, mail templates, the automatic-reply ledger and
the Message-ID links live in core (``caredesk.core.models``): sending is a core service.

Only ``caredesk.channels.email.actions`` writes these rows.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from caredesk.channels.email.crypto import decrypt, encrypt
from caredesk.customers.models import Customer
from caredesk.tickets.models import Message, Ticket


class Mailbox(models.Model):
    """An IMAP mailbox caredesk polls. The password is stored encrypted (Fernet)."""

    name = models.CharField(max_length=100, unique=True)
    address = models.EmailField(
        help_text="The address customers write to. Mail from it is never answered automatically."
    )
    host = models.CharField(max_length=255)
    port = models.PositiveIntegerField(default=993)
    use_tls = models.BooleanField(
        default=True,
        help_text="Implicit TLS with a verified certificate (port 993). Turn off only for "
        "a server on this machine (loopback).",
    )
    starttls = models.BooleanField(
        default=False, help_text="Upgrade a plain connection with STARTTLS (port 143)."
    )
    username = models.CharField(max_length=255)
    password_encrypted = models.TextField(blank=True, editable=False)
    folder = models.CharField(max_length=255, default="INBOX")
    move_to = models.CharField(
        max_length=255,
        blank=True,
        help_text="After the raw message is stored, move it to this folder. Empty: mark it "
        "\\Seen and leave it.",
    )
    enabled = models.BooleanField(default=True)
    last_polled_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ("name",)

    def __str__(self) -> str:
        return f"{self.name} ({self.address})"

    @property
    def password(self) -> str:
        return decrypt(self.password_encrypted) if self.password_encrypted else ""

    @password.setter
    def password(self, value: str) -> None:
        self.password_encrypted = encrypt(value) if value else ""


class RawState(models.TextChoices):
    STORED = "stored", "Stored, not yet processed"
    PROCESSED = "processed", "Processed"
    QUARANTINED = "quarantined", "Quarantined"
    DUPLICATE = "duplicate", "Duplicate"
    BOUNCE = "bounce", "Delivery report"


class RawMessage(models.Model):
    """An inbound message exactly as it arrived, committed before any parsing (raw first)."""

    channel = models.CharField(max_length=40, help_text="imap:<mailbox>, http or pipe")
    mailbox = models.ForeignKey(
        Mailbox, null=True, blank=True, on_delete=models.SET_NULL, related_name="raw_messages"
    )
    rfc_message_id = models.CharField(max_length=255)
    synthetic_id = models.BooleanField(default=False)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveBigIntegerField(help_text="Size of the message as delivered, in bytes")
    raw = models.BinaryField()
    # True when only the headers were kept because the message was over the size limit.
    truncated = models.BooleanField(default=False)
    received_at = models.DateTimeField(default=timezone.now)
    state = models.CharField(
        max_length=12, choices=RawState.choices, default=RawState.STORED, db_index=True
    )
    attempts = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    message = models.ForeignKey(
        Message, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    ticket = models.ForeignKey(
        Ticket, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ("-received_at", "-id")
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "rfc_message_id", "sha256"], name="raw_message_idempotency"
            )
        ]
        indexes = [
            models.Index(fields=["state", "-received_at"], name="raw_state_received"),
            models.Index(fields=["rfc_message_id"], name="raw_message_id"),
        ]

    def __str__(self) -> str:
        return f"{self.channel} {self.rfc_message_id} ({self.state})"


class CaseParticipant(models.Model):
    """An address that takes part in a case by email (the sender, or someone in Cc)."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="email_participants")
    address = models.CharField(max_length=254)
    customer = models.ForeignKey(
        Customer, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    role = models.CharField(max_length=8, default="cc")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("created_at", "id")
        constraints = [
            models.UniqueConstraint(fields=["ticket", "address"], name="unique_case_participant")
        ]

    def __str__(self) -> str:
        return f"{self.address} on {self.ticket_id}"


class Bounce(models.Model):
    """A delivery-status notification, recorded against the address it concerns."""

    address = models.CharField(max_length=254, db_index=True)
    permanent = models.BooleanField(default=True)
    customer = models.ForeignKey(
        Customer, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    ticket = models.ForeignKey(
        Ticket, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    outbound = models.ForeignKey(
        "core.OutboundEmail",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="bounces",
    )
    raw = models.ForeignKey(RawMessage, on_delete=models.CASCADE, related_name="bounces")
    diagnostic = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("-created_at", "-id")

    def __str__(self) -> str:
        return f"bounce {self.address}"


class SeenSignature(models.Model):
    """HMAC signatures of inbound HTTP posts already accepted, to refuse replays."""

    signature = models.CharField(max_length=64, unique=True)
    seen_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return self.signature[:12]
