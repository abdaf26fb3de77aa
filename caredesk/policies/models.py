"""Policies, their versions, "the customer was told" acknowledgements, eligibility rules.

Only :mod:`caredesk.policies.actions` writes these rows. A policy's text is never edited
in place: a change is a new :class:`PolicyVersion`, so an acknowledgement always points
at the exact words the customer saw.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from caredesk.customers.models import Customer
from caredesk.policies.expression import ExpressionError, parse
from caredesk.records.models import Record
from caredesk.tickets.models import Message


class PolicyCategory(models.Model):
    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=50, unique=True)

    class Meta:
        ordering = ("name",)
        verbose_name_plural = "policy categories"

    def __str__(self) -> str:
        return self.name


class Policy(models.Model):
    slug = models.SlugField(max_length=60, unique=True)
    title = models.CharField(max_length=200)
    category = models.ForeignKey(
        PolicyCategory, null=True, blank=True, on_delete=models.SET_NULL, related_name="policies"
    )
    effective_from = models.DateTimeField(null=True, blank=True)
    effective_until = models.DateTimeField(null=True, blank=True)
    # When the case page shows the policy without an acknowledgement: a linked record has a
    # line of one of these categories, or the case carries one of these tags.
    record_categories = models.JSONField(
        default=list, blank=True, help_text='Record line categories, e.g. ["hygiene"].'
    )
    case_tags = models.JSONField(
        default=list, blank=True, help_text='Case tags, e.g. ["delivery"].'
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("title",)
        verbose_name_plural = "policies"

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        for name in ("record_categories", "case_tags"):
            value = getattr(self, name)
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise ValidationError({name: 'A JSON list of texts, e.g. ["hygiene"].'})
        start, end = self.effective_from, self.effective_until
        if start and end and end <= start:
            raise ValidationError({"effective_until": "Must be after the start."})


class PolicyVersion(models.Model):
    policy = models.ForeignKey(Policy, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    customer_text = models.TextField()
    internal_notes = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("policy", "-number")
        constraints = [
            models.UniqueConstraint(fields=["policy", "number"], name="one_policy_version_number")
        ]

    def __str__(self) -> str:
        return f"{self.policy.slug} v{self.number}"


class How(models.TextChoices):
    AT_PURCHASE = "at_purchase", _("At purchase")
    RECEIPT = "receipt", _("On the receipt")
    SCHEDULING_CALL = "scheduling_call", _("In a scheduling call")
    REPLY = "reply", _("In a reply")
    PORTAL = "portal", _("In the portal")
    OTHER = "other", _("Other")


class EvidenceKind(models.TextChoices):
    RECORD = "record", _("Record")
    MESSAGE = "message", _("Message")
    CALL = "call", _("Call log")
    TEXT = "text", _("Note")
    NONE = "", _("None")


class Acknowledgement(models.Model):
    """One time a customer was informed of a policy version: when, how, by whom, proof."""

    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="policy_acknowledgements"
    )
    policy = models.ForeignKey(Policy, on_delete=models.CASCADE, related_name="acknowledgements")
    version = models.ForeignKey(PolicyVersion, on_delete=models.PROTECT, related_name="+")
    told_at = models.DateTimeField()
    how = models.CharField(max_length=20, choices=How.choices)
    # A staff member, or the system / API token that reported it (by_label says which).
    by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    by_label = models.CharField(max_length=200, blank=True)
    evidence_kind = models.CharField(
        max_length=10, choices=EvidenceKind.choices, blank=True, default=""
    )
    evidence_ref = models.CharField(max_length=100, blank=True)
    evidence_text = models.TextField(blank=True)
    record = models.ForeignKey(
        Record, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    message = models.ForeignKey(
        Message, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("told_at", "id")
        indexes = [
            models.Index(fields=["customer", "policy", "told_at"], name="ack_customer_policy"),
        ]

    def __str__(self) -> str:
        return f"{self.customer} told {self.version} ({self.how})"


class AppliesTo(models.TextChoices):
    RETURN = "return", _("Return")
    EXCHANGE = "exchange", _("Exchange")
    REFUND = "refund", _("Refund")
    EXCEPTION = "exception", _("Exception")


class Effect(models.TextChoices):
    DENY_IF = "deny_if", _("Not eligible when the condition is true")
    REQUIRE = "require", _("Eligible only when the condition is true")


class EligibilityRule(models.Model):
    policy = models.ForeignKey(Policy, on_delete=models.CASCADE, related_name="rules")
    applies_to = models.CharField(max_length=10, choices=AppliesTo.choices)
    effect = models.CharField(max_length=10, choices=Effect.choices, default=Effect.REQUIRE)
    expression = models.CharField(
        max_length=1000,
        help_text='e.g. days_since(line.delivered_at) <= 30, or line.category in ["hygiene"]',
    )
    reason = models.CharField(
        max_length=500, help_text="Shown to the customer when the rule makes it not eligible."
    )
    position = models.PositiveIntegerField(default=0)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ("policy", "position", "id")
        indexes = [models.Index(fields=["applies_to", "is_active"], name="rule_applies_active")]

    def __str__(self) -> str:
        return f"{self.get_applies_to_display()}: {self.expression}"

    def clean(self) -> None:
        try:
            parse(self.expression)
        except ExpressionError as error:
            raise ValidationError({"expression": str(error)}) from None
        if not (self.reason or "").strip():
            raise ValidationError({"reason": "Say, in the customer's words, why."})
