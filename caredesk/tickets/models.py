"""Cases (tickets), their messages and attachments, and the append-only audit log.

Only ``caredesk.tickets.actions`` writes these rows.
"""

from __future__ import annotations

import uuid
from pathlib import PurePath
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone

from caredesk.accounts.models import Team
from caredesk.customers.models import Customer, Organization


class Status(models.TextChoices):
    NEW = "new", "New"
    OPEN = "open", "Open"
    WAITING_CUSTOMER = "waiting_customer", "Waiting on customer"
    WAITING_US = "waiting_us", "Waiting on us"
    RESOLVED = "resolved", "Resolved"
    CLOSED = "closed", "Closed"
    # A duplicate merged into another case: a pointer (``merged_into``) that nobody works
    # on any more. Only the merge action sets it (docs/merge-and-links.md).
    MERGED = "merged", "Merged"


OPEN_STATUSES = (Status.NEW, Status.OPEN, Status.WAITING_CUSTOMER, Status.WAITING_US)
DONE_STATUSES = (Status.RESOLVED, Status.CLOSED)
# The statuses a person may set (the merge action alone sets ``merged``).
SETTABLE_STATUSES = tuple(s for s in Status if s != Status.MERGED)
SETTABLE_STATUS_CHOICES = [(s.value, s.label) for s in SETTABLE_STATUSES]


class Priority(models.TextChoices):
    LOW = "low", "Low"
    NORMAL = "normal", "Normal"
    HIGH = "high", "High"
    URGENT = "urgent", "Urgent"


PRIORITY_RANK = {Priority.LOW: 0, Priority.NORMAL: 1, Priority.HIGH: 2, Priority.URGENT: 3}


class Channel(models.TextChoices):
    EMAIL = "email", "Email"
    PORTAL = "portal", "Portal"
    PHONE = "phone", "Phone"
    API = "api", "API"
    AGENT = "agent", "Agent (on behalf)"


class ResolutionOutcome(models.TextChoices):
    """How the last resolution of a case ended (``Ticket.resolution_outcome``; the history
    is ``caredesk.resolutions.Resolution``, docs/resolutions.md)."""

    PENDING = "pending", "Awaiting the customer's answer"
    CONFIRMED = "confirmed", "Confirmed by the customer"
    REJECTED = "rejected", "Rejected by the customer (reopened)"
    UNCONFIRMED = "unconfirmed", "Closed without an answer"
    CLOSED_BY_STAFF = "closed_by_staff", "Closed by staff without asking"
    REOPENED = "reopened", "Reopened before an answer"


class Tag(models.Model):
    name = models.CharField(max_length=50, unique=True)

    class Meta:
        ordering = ("name",)

    def __str__(self) -> str:
        return self.name


class Ticket(models.Model):
    subject = models.CharField(max_length=255)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.NEW)
    priority = models.CharField(max_length=10, choices=Priority.choices, default=Priority.NORMAL)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="tickets")
    # Copied from the customer when the case opens, so filters and access need no join.
    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.SET_NULL, related_name="tickets"
    )
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="tickets"
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_tickets",
    )
    tags = models.ManyToManyField(Tag, blank=True, related_name="tickets")
    # The customer's own words, verbatim, pinned on the case and carried in every handoff (P3).
    original_request = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    last_customer_message_at = models.DateTimeField(null=True, blank=True)
    first_response_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    reopen_count = models.PositiveIntegerField(default=0)
    # A reply to a closed case opens a new case linked here (docs/resolutions.md).
    follow_up_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="follow_ups"
    )
    # Merged into that case (status ``merged``): mail to this case's thread lands there.
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="merged_cases"
    )
    # Opened by machine mail (Auto-Submitted, bulk, mailer-daemon…): no automatic mail,
    # ever (the confirmation question, the SLA honest update).
    from_machine = models.BooleanField(default=False)
    # How the last resolution ended (blank: never resolved). Maintained only by
    # caredesk.resolutions.actions; the history is caredesk.resolutions.Resolution.
    resolution_outcome = models.CharField(
        max_length=20, choices=ResolutionOutcome.choices, blank=True
    )
    message_count = models.PositiveIntegerField(default=0)
    # The sum of the case's time entries (TimeEntry), kept by the reply and note actions.
    time_spent_minutes = models.PositiveIntegerField(default=0)
    # SLA deadlines, stored and indexed on the case row (house rule 6). Maintained only by
    # caredesk.sla.actions.do_update_deadlines, from the SLA app's reaction to the case
    # actions' events, inside their transactions.
    sla_policy = models.ForeignKey(
        "sla.SlaPolicy", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    first_response_due_at = models.DateTimeField(null=True, blank=True)
    next_response_due_at = models.DateTimeField(null=True, blank=True)
    resolution_due_at = models.DateTimeField(null=True, blank=True)
    # The nearest of the running deadlines above (null: none running, or paused).
    next_deadline_at = models.DateTimeField(null=True, blank=True)
    # The next instant the SLA engine must act (a warning or a breach not yet fired).
    sla_alarm_at = models.DateTimeField(null=True, blank=True)
    sla_paused_at = models.DateTimeField(null=True, blank=True)
    sla_paused_minutes = models.PositiveIntegerField(default=0)
    sla_warned = models.BooleanField(default=False)
    sla_breached = models.BooleanField(default=False)
    # Fair queue keys, set only while the case waits unassigned for an agent.
    queue_rank_at = models.DateTimeField(null=True, blank=True)
    queue_aging_at = models.DateTimeField(null=True, blank=True)
    # The due time of the nearest promise still to keep (open or missed); maintained only by
    # caredesk.promises.actions, inside the promise actions' transactions.
    next_promise_due_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-updated_at", "-id")
        indexes = [
            models.Index(
                fields=["next_deadline_at"],
                name="ticket_next_deadline",
                condition=models.Q(next_deadline_at__isnull=False),
            ),
            models.Index(
                fields=["sla_alarm_at"],
                name="ticket_sla_alarm",
                condition=models.Q(sla_alarm_at__isnull=False),
            ),
            models.Index(
                fields=["team", "queue_rank_at"],
                name="ticket_queue_rank",
                condition=models.Q(queue_rank_at__isnull=False),
            ),
            models.Index(
                fields=["team", "queue_aging_at"],
                name="ticket_queue_aging",
                condition=models.Q(queue_aging_at__isnull=False),
            ),
            models.Index(
                fields=["next_promise_due_at"],
                name="ticket_next_promise",
                condition=models.Q(next_promise_due_at__isnull=False),
            ),
            models.Index(
                fields=["first_response_at"],
                name="ticket_first_response",
                condition=models.Q(first_response_at__isnull=False),
            ),
            models.Index(
                fields=["resolved_at"],
                name="ticket_resolved",
                condition=models.Q(resolved_at__isnull=False),
            ),
            # The inbox lists open cases newest first: partial indexes keep that an ordered
            # index scan, however many closed cases pile up.
            models.Index(
                fields=["-updated_at", "-id"],
                name="ticket_open_updated",
                condition=models.Q(status__in=OPEN_STATUSES),
            ),
            models.Index(
                fields=["team", "-updated_at", "-id"],
                name="ticket_open_team_updated",
                condition=models.Q(status__in=OPEN_STATUSES),
            ),
            models.Index(
                fields=["assignee", "-updated_at", "-id"],
                name="ticket_open_assignee_updated",
                condition=models.Q(status__in=OPEN_STATUSES),
            ),
            models.Index(fields=["status", "-updated_at", "-id"], name="ticket_status_updated"),
            # Every case, newest activity first (the API's list without filters, the
            # admin's view): without it a page at a million cases reads and sorts them all.
            models.Index(fields=["-updated_at", "-id"], name="ticket_updated"),
            models.Index(
                fields=["assignee", "status", "-updated_at"], name="ticket_assignee_status"
            ),
            models.Index(fields=["team", "status", "-updated_at"], name="ticket_team_status"),
            models.Index(fields=["customer", "-created_at"], name="ticket_customer_created"),
            models.Index(fields=["organization", "-created_at"], name="ticket_org_created"),
            # The reports' daily refresh: the cases opened on a day.
            models.Index(fields=["created_at"], name="ticket_created"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.subject}"

    @property
    def reference(self) -> str:
        return format_reference(self.pk)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


def format_reference(pk: int | None) -> str:
    return f"{settings.CAREDESK_REFERENCE_PREFIX}-{(pk or 0) + 1000}"


def parse_reference(text: str) -> int | None:
    """``CD-1042`` (any case, with or without prefix) → primary key, or None."""
    value = text.strip().upper()
    prefix = settings.CAREDESK_REFERENCE_PREFIX.upper() + "-"
    if value.startswith(prefix):
        value = value[len(prefix) :]
    if not value.isdigit() or len(value) > 12:
        return None
    pk = int(value) - 1000
    return pk if pk > 0 else None


class MessageKind(models.TextChoices):
    CUSTOMER = "customer", "Customer message"
    REPLY = "reply", "Public reply"
    NOTE = "note", "Internal note"
    SYSTEM = "system", "System entry"


PUBLIC_KINDS = (MessageKind.CUSTOMER, MessageKind.REPLY)


class Message(models.Model):
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="messages")
    kind = models.CharField(max_length=10, choices=MessageKind.choices)
    author_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    author_customer = models.ForeignKey(
        Customer, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    channel = models.CharField(max_length=10, choices=Channel.choices)
    body = models.TextField()
    # Sanitised with an allow-list before it is stored; never rendered unsanitised.
    body_html = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # The case this message was written on, when a merge has since moved it here (or a
    # mail to a merged case's thread was filed here). The portal shows it to the case's
    # customer only when that case had the same customer (ADR 0025).
    origin_ticket = models.ForeignKey(
        Ticket, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # An agent reply's extra recipients (caredesk.tickets.recipients; docs/replies.md).
    # Cc is shown with the message to staff and the customer; Bcc only ever to staff,
    # and is never in a mail header.
    cc: models.JSONField[list[str]] = models.JSONField(default=list, blank=True)
    bcc: models.JSONField[list[str]] = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ("created_at", "id")
        indexes = [
            models.Index(fields=["ticket", "created_at", "id"], name="message_ticket_time"),
            models.Index(
                fields=["origin_ticket", "created_at", "id"],
                name="message_origin_time",
                condition=models.Q(origin_ticket__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} on {self.ticket_id}"

    @property
    def is_public(self) -> bool:
        return self.kind in PUBLIC_KINDS

    @property
    def author_name(self) -> str:
        if self.author_user is not None:
            return self.author_user.display_name
        if self.author_customer is not None:
            return self.author_customer.name
        return "caredesk"


class TimeEntry(models.Model):
    """Minutes an agent spent on a case, given with a reply or a note (docs/replies.md).
    Team and customer are copied from the case when it is written, so the time report
    (caredesk.reports.time) groups without a join; only the tickets actions write it."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="time_entries")
    message = models.OneToOneField(
        Message, null=True, blank=True, on_delete=models.SET_NULL, related_name="time_entry"
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    customer = models.ForeignKey(
        Customer, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    minutes = models.PositiveSmallIntegerField()
    at = models.DateTimeField()

    class Meta:
        ordering = ("at", "id")
        indexes = [
            models.Index(fields=["at"], name="time_entry_at"),
            models.Index(fields=["ticket", "at"], name="time_entry_ticket"),
            models.Index(fields=["agent", "at"], name="time_entry_agent"),
        ]

    def __str__(self) -> str:
        return f"{self.minutes} min on {self.ticket_id}"


def attachment_path(instance: Attachment, filename: str) -> str:
    """Stored under a generated name; the customer's filename never touches the disk."""
    suffix = PurePath(filename).suffix.lower()[:10]
    safe_suffix = suffix if suffix[1:].isalnum() else ""
    day = timezone.now().strftime("%Y/%m/%d")
    return f"attachments/{day}/{uuid.uuid4().hex}{safe_suffix}"


class Attachment(models.Model):
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=attachment_path, max_length=255)
    filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=127)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("id",)

    def __str__(self) -> str:
        return self.filename


class LinkKind(models.TextChoices):
    RELATED = "related", "Related"
    DUPLICATE = "duplicate", "Duplicate of"
    PARENT = "parent", "Parent of"  # a problem and its incidents


class CaseLink(models.Model):
    """A link between two cases. ``duplicate``: *source* duplicates *target*; ``parent``:
    *source* is the problem, *target* one of its incidents; ``related`` goes both ways
    (stored once, the lower id as *source*). Only ``caredesk.tickets.links`` writes these."""

    source = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="links_out")
    target = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="links_in")
    kind = models.CharField(max_length=10, choices=LinkKind.choices)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("created_at", "id")
        constraints = [
            models.UniqueConstraint(fields=["source", "target"], name="unique_case_link"),
            models.CheckConstraint(
                condition=~models.Q(source=models.F("target")), name="case_link_not_itself"
            ),
        ]
        indexes = [models.Index(fields=["target", "kind"], name="case_link_target")]

    def __str__(self) -> str:
        return f"{self.source_id} {self.kind} {self.target_id}"


class AuditEvent(models.Model):
    """One state change: who, what, when, old → new. Rows are never updated or deleted."""

    class ActorKind(models.TextChoices):
        STAFF = "staff", "Staff"
        CUSTOMER = "customer", "Customer"
        SYSTEM = "system", "System"

    ticket = models.ForeignKey(
        Ticket, null=True, blank=True, on_delete=models.CASCADE, related_name="events"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    actor_kind = models.CharField(max_length=10, choices=ActorKind.choices)
    actor_label = models.CharField(max_length=200)
    verb = models.CharField(max_length=40)
    field = models.CharField(max_length=40, blank=True)
    old_value: models.JSONField[Any] = models.JSONField(null=True, blank=True)
    new_value: models.JSONField[Any] = models.JSONField(null=True, blank=True)
    note = models.TextField(blank=True)
    # Shown to the customer in the portal history (status changes, replies, escalations).
    public = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("created_at", "id")
        indexes = [
            models.Index(fields=["ticket", "created_at", "id"], name="audit_ticket_time"),
            # The reports' daily refresh: the status changes (resolutions, reopens) of a day.
            models.Index(
                fields=["created_at"],
                name="audit_status_time",
                condition=models.Q(field="status"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.verb} {self.field} {self.old_value!r} → {self.new_value!r}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not kwargs.get("force_insert"):
            raise ValueError("The audit log is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise ValueError("The audit log is append-only")


class SearchEntry(models.Model):
    """Text that search finds: a case subject, or one message body.

    PostgreSQL stores two generated ``tsvector`` columns (stemmed and exact words) with
    GIN indexes; SQLite keeps two FTS5 tables in step through triggers (migrations 0002
    and 0009; ADR 13). ``public`` entries are the only ones a customer's search can match.
    """

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="+")
    message = models.OneToOneField(
        Message, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    public = models.BooleanField()
    content = models.TextField()

    def __str__(self) -> str:
        return f"search entry for {self.ticket_id}"
