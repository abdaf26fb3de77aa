"""Escalations, authority limits, approval requests, applied goodwill actions, delegations
and protected (abusive) conversations.

Deadlines (``due_at``) are stored on the rows and indexed while open, so "what is due"
is a range scan (house rule 6). Only :mod:`caredesk.escalations.actions` writes these rows.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from caredesk.accounts.models import Role, Team
from caredesk.tickets.models import Ticket

# The ladder an undecided escalation or approval climbs, one step at a time.
LADDER: tuple[str, ...] = (Role.AGENT, Role.LEAD, Role.MANAGER, Role.ADMIN)
APPROVER_ROLES: tuple[str, ...] = (Role.LEAD, Role.MANAGER, Role.ADMIN)
MAX_AMOUNT = Decimal("99999999.99")


def next_role(role: str) -> str | None:
    """The role one step up the ladder, or None at the top."""
    if role not in LADDER:
        return None
    index = LADDER.index(role)
    return LADDER[index + 1] if index + 1 < len(LADDER) else None


class EscalationSource(models.TextChoices):
    AGENT = "agent", pgettext_lazy("escalation source", "Agent")
    SLA_BREACH = "sla_breach", _("System: SLA breach")
    MISSED_PROMISE = "missed_promise", _("System: missed promise")
    CUSTOMER_PORTAL = "customer_portal", _("Customer (portal)")
    CUSTOMER_EMAIL = "customer_email", _("Customer (email)")
    ABUSE_REVIEW = "abuse_review", _("Abusive conversation ended")


CUSTOMER_SOURCES = (EscalationSource.CUSTOMER_PORTAL, EscalationSource.CUSTOMER_EMAIL)


class EscalationStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("escalation status", "Open")
    RESOLVED = "resolved", _("Answered")


class Escalation(models.Model):
    """A case referred upward: an owner, a reason and a response deadline in business time."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="escalations")
    level = models.CharField(max_length=16, choices=Role.choices)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_escalations",
    )
    # Set when the owner is acting for someone who delegated to them while away.
    on_behalf_of = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    source = models.CharField(max_length=20, choices=EscalationSource.choices)
    reason = models.TextField()
    handoff_summary = models.TextField(blank=True)
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(
        max_length=10, choices=EscalationStatus.choices, default=EscalationStatus.OPEN
    )
    due_at = models.DateTimeField(null=True, blank=True)
    # When an unanswered escalation moves up a level *before* ``due_at`` is missed
    # (``CAREDESK_DECISION_STEP_UP_SHARE`` of the window; the ``escalation.step_up`` kind).
    step_up_at = models.DateTimeField(null=True, blank=True)
    steps = models.PositiveSmallIntegerField(default=0)
    # True once the top of the ladder has also missed its deadline (admins were told).
    stalled = models.BooleanField(default=False)
    # An ended abusive conversation waits for this escalation's answer as its review,
    # whatever opened the escalation (an SLA breach, a missed promise, an agent…).
    abuse_review = models.BooleanField(default=False)
    # System escalations (breaches, misses) of one agent's cases within
    # ``CAREDESK_ESCALATION_GROUP_MINUTES`` ride on the first one: one item, one notice
    # and one deadline for the lead; answering it answers them all.
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="members"
    )
    # Whose system escalations group together: "agent:<id>" (the case's assignee) or
    # "queue:<team id>" (a case still waiting unassigned in that team's queue).
    group_key = models.CharField(max_length=40, blank=True, default="")
    # What solves the underlying problem, so the escalation closes by itself: "reply"
    # (a missed first or next response: the case gets a public reply), "resolve" (a
    # missed resolution: the case is resolved), or "" (only an answer closes it).
    solved_by = models.CharField(max_length=10, blank=True, default="")
    resolution = models.TextField(blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("-created_at", "-id")
        indexes = [
            models.Index(
                fields=["due_at"],
                name="escalation_due",
                condition=models.Q(status="open", due_at__isnull=False),
            ),
            models.Index(
                fields=["step_up_at"],
                name="escalation_step_up",
                condition=models.Q(status="open", step_up_at__isnull=False),
            ),
            models.Index(fields=["owner", "status", "due_at"], name="escalation_owner_status_due"),
            models.Index(fields=["ticket", "-created_at"], name="escalation_ticket"),
            models.Index(
                fields=["group_key", "created_at"],
                name="escalation_group",
                condition=models.Q(status="open", parent__isnull=True),
            ),
        ]
        constraints = [
            # At most one open escalation per case: a second request raises or joins it.
            models.UniqueConstraint(
                fields=["ticket"],
                condition=models.Q(status="open"),
                name="one_open_escalation_per_case",
            )
        ]

    def __str__(self) -> str:
        return f"Escalation of case {self.ticket_id} to {self.level}"

    @property
    def is_open(self) -> bool:
        return self.status == EscalationStatus.OPEN

    @property
    def answer_due(self) -> datetime | None:
        """When an answer is due: its own deadline, or its group's for a member."""
        if self.due_at is not None or self.parent_id is None:
            return self.due_at
        parent = self.parent
        return parent.due_at if parent is not None and parent.is_open else None


class ActionType(models.Model):
    """Something an agent can grant a customer: a credit, a refund, a fee waiver…"""

    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=50, unique=True)
    has_amount = models.BooleanField(
        default=True, help_text="Off for yes/no exceptions with no money amount."
    )
    is_vip_exception = models.BooleanField(
        default=False, help_text="Shown separately in the approvals report (P8)."
    )
    is_active = models.BooleanField(default=True)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ("name",)

    def __str__(self) -> str:
        return self.name


class AuthorityLimit(models.Model):
    """How much of an action type a role may grant without asking anyone."""

    action_type = models.ForeignKey(ActionType, on_delete=models.CASCADE, related_name="limits")
    role = models.CharField(
        max_length=16, choices=[(r.value, r.label) for r in Role if r != Role.CUSTOMER]
    )
    allowed = models.BooleanField(default=True, help_text="Off: this role may not grant it.")
    max_amount = models.DecimalField(
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
        help_text="Empty: no upper limit (or, for yes/no actions, simply allowed).",
    )

    class Meta:
        ordering = ("action_type", "role")
        constraints = [
            models.UniqueConstraint(fields=["action_type", "role"], name="one_limit_per_role")
        ]

    def __str__(self) -> str:
        if not self.allowed:
            return f"{self.action_type}: {self.role} not allowed"
        return f"{self.action_type}: {self.role} up to {self.max_amount or 'any amount'}"

    def clean(self) -> None:
        if not self.allowed and self.max_amount is not None:
            raise ValidationError("A role that is not allowed has no amount.")

    def covers(self, amount: Decimal | None) -> bool:
        if not self.allowed:
            return False
        if amount is None or self.max_amount is None:
            return True
        return amount <= self.max_amount


class ApprovalStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for a decision")
    APPROVED = "approved", _("Approved")
    APPROVED_CHANGED = "approved_changed", _("Approved, different amount")
    DENIED = "denied", _("Denied")


class ApprovalRequest(models.Model):
    """A goodwill action above the requester's limit, waiting for an approver."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="approvals")
    action_type = models.ForeignKey(ActionType, on_delete=models.PROTECT, related_name="+")
    amount = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    currency = models.CharField(max_length=3)
    reason = models.TextField()
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="approval_requests"
    )
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.SET_NULL)
    # The lowest role whose limit covers the amount, and the role deciding now.
    required_role = models.CharField(max_length=16, choices=Role.choices)
    level = models.CharField(max_length=16, choices=Role.choices)
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="approvals_to_decide",
    )
    on_behalf_of = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(
        max_length=20, choices=ApprovalStatus.choices, default=ApprovalStatus.PENDING
    )
    due_at = models.DateTimeField(null=True, blank=True)
    # Moves up a level before ``due_at`` is missed (the ``approval.step_up`` kind).
    step_up_at = models.DateTimeField(null=True, blank=True)
    steps = models.PositiveSmallIntegerField(default=0)
    stalled = models.BooleanField(default=False)
    decided_amount = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    decision_reason = models.TextField(blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    customer_told_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("-created_at", "-id")
        indexes = [
            models.Index(
                fields=["due_at"],
                name="approval_due",
                condition=models.Q(status="pending", due_at__isnull=False),
            ),
            models.Index(
                fields=["step_up_at"],
                name="approval_step_up",
                condition=models.Q(status="pending", step_up_at__isnull=False),
            ),
            models.Index(fields=["approver", "status", "due_at"], name="approval_approver"),
            models.Index(fields=["ticket", "-created_at"], name="approval_ticket"),
            models.Index(fields=["action_type", "-created_at"], name="approval_type_created"),
        ]

    def __str__(self) -> str:
        return f"Approval {self.pk} on case {self.ticket_id}"

    @property
    def is_pending(self) -> bool:
        return self.status == ApprovalStatus.PENDING

    @property
    def is_approved(self) -> bool:
        return self.status in (ApprovalStatus.APPROVED, ApprovalStatus.APPROVED_CHANGED)

    @property
    def granted_amount(self) -> Decimal | None:
        if self.status == ApprovalStatus.APPROVED_CHANGED:
            return self.decided_amount
        return self.amount if self.is_approved else None


class GoodwillAction(models.Model):
    """A goodwill action that was applied: at once within a limit, or after an approval."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="goodwill_actions")
    action_type = models.ForeignKey(ActionType, on_delete=models.PROTECT, related_name="+")
    amount = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    currency = models.CharField(max_length=3)
    reason = models.TextField()
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    approval = models.OneToOneField(
        ApprovalRequest,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="applied_action",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("-created_at", "-id")
        indexes = [models.Index(fields=["ticket", "-created_at"], name="goodwill_ticket")]

    def __str__(self) -> str:
        return f"{self.action_type} on case {self.ticket_id}"


class Delegation(models.Model):
    """While ``delegator`` is away (between the two instants), ``delegate`` decides for them."""

    delegator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="delegations_given"
    )
    delegate = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="delegations_received"
    )
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    note = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-starts_at", "-id")
        indexes = [
            models.Index(fields=["delegator", "starts_at", "ends_at"], name="delegation_window")
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")),
                name="delegation_ends_after_start",
            ),
            models.CheckConstraint(
                condition=~models.Q(delegator=models.F("delegate")),
                name="delegation_not_to_self",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.delegator_id} → {self.delegate_id}"


class ProtectedConversation(models.Model):
    """An agent ended an abusive conversation. Reports leave this case out of the agent's
    numbers (handle time, resolution), and a lead reviews it."""

    ticket = models.OneToOneField(Ticket, on_delete=models.CASCADE, related_name="protection")
    agent = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(blank=True)
    excluded_from_agent_metrics = models.BooleanField(default=True)
    ended_at = models.DateTimeField()
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-ended_at",)

    def __str__(self) -> str:
        return f"Protected conversation on case {self.ticket_id}"
