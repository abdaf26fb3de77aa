"""Offers (upsells, retention offers, loyalty vouchers), the segments they target, and
every offer made to a customer with the customer's answer (P4).

Written only by :mod:`caredesk.offers.actions`; shown only through
:func:`caredesk.offers.lock.offers_unlocked`.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from caredesk.customers.models import Customer, Organization, Tier
from caredesk.tickets.models import Tag, Ticket

MAX_TEXT = 2000
CODE_RE = re.compile(r"^[A-Z0-9][A-Z0-9_-]{0,39}$")


class OfferKind(models.TextChoices):
    UPSELL = "upsell", _("Upsell")
    RETENTION = "retention", _("Retention offer")
    LOYALTY = "loyalty", _("Loyalty voucher")


class Segment(models.Model):
    """A named group of customers an offer can target ("gym members", "early adopters"),
    kept by admins."""

    name = models.CharField(max_length=80, unique=True)
    customers = models.ManyToManyField(Customer, blank=True, related_name="offer_segments")

    class Meta:
        ordering = ("name",)

    def __str__(self) -> str:
        return self.name


class Offer(models.Model):
    name = models.CharField(max_length=120, unique=True, help_text="What staff see.")
    kind = models.CharField(max_length=12, choices=OfferKind.choices)
    text = models.TextField(
        max_length=MAX_TEXT, help_text="What the customer reads (portal, mail)."
    )
    code = models.CharField(
        max_length=40, blank=True, help_text="Voucher or promotion code (A-Z, 0-9, - and _)."
    )
    is_active = models.BooleanField(default=True)
    starts_at = models.DateTimeField(null=True, blank=True)
    ends_at = models.DateTimeField(null=True, blank=True)
    # Eligibility: every criterion that is set must match (any of its values); an empty
    # criterion matches everyone. More rules: settings.CAREDESK_OFFER_ELIGIBILITY_RULES.
    tiers: models.JSONField[Any] = models.JSONField(
        default=list, blank=True, help_text="Tiers (standard, priority, vip); empty: all."
    )
    organizations = models.ManyToManyField(Organization, blank=True, related_name="+")
    segments = models.ManyToManyField(Segment, blank=True, related_name="offers")
    tags = models.ManyToManyField(
        Tag, blank=True, related_name="+", help_text="A case of the customer carries one."
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("name",)
        indexes = [models.Index(fields=["is_active", "ends_at"], name="offer_active")]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        self.code = str(self.code or "").strip().upper()
        errors = offer_field_errors(
            name=self.name,
            kind=self.kind,
            text=self.text,
            code=self.code,
            tiers=self.tiers,
            starts_at=self.starts_at,
            ends_at=self.ends_at,
        )
        if errors:
            raise ValidationError(errors)

    def is_running(self, now: datetime) -> bool:
        if not self.is_active:
            return False
        if self.starts_at is not None and now < self.starts_at:
            return False
        return self.ends_at is None or now < self.ends_at


def offer_field_errors(
    *,
    name: str,
    kind: str,
    text: str,
    code: str,
    tiers: Any,
    starts_at: datetime | None,
    ends_at: datetime | None,
) -> dict[str, str]:
    """What is wrong with an offer's fields, by field (empty: nothing). One place for the
    admin form, the API and the actions."""
    errors: dict[str, str] = {}
    if not str(name or "").strip():
        errors["name"] = "An offer needs a name."
    elif len(name) > 120:
        errors["name"] = "The name is at most 120 characters."
    if kind not in OfferKind.values:
        errors["kind"] = (
            f"Unknown kind {str(kind)[:40]!r}; use one of {', '.join(OfferKind.values)}."
        )
    if not str(text or "").strip():
        errors["text"] = "Write the text the customer reads."
    elif len(text) > MAX_TEXT:
        errors["text"] = f"The customer-facing text is at most {MAX_TEXT} characters."
    if code and not CODE_RE.match(code):
        errors["code"] = "A code is 1 to 40 characters: capital letters, digits, - and _."
    if not isinstance(tiers, list) or not all(isinstance(t, str) for t in tiers):
        errors["tiers"] = "Tiers are a list of tier names."
    else:
        unknown = [t for t in tiers if t not in Tier.values]
        if unknown:
            errors["tiers"] = f"Unknown tier {unknown[0][:40]!r}; use {', '.join(Tier.values)}."
        elif len(set(tiers)) != len(tiers):
            errors["tiers"] = "A tier is listed twice."
    if starts_at is not None and ends_at is not None and ends_at <= starts_at:
        errors["ends_at"] = "The offer must end after it starts."
    return errors


class Surface(models.TextChoices):
    WORKSPACE = "workspace", _("Workspace (an agent)")
    PORTAL = "portal", _("Portal")
    MAIL = "mail", _("Mail")
    API = "api", _("API")


class Outcome(models.TextChoices):
    PENDING = "pending", _("Waiting for the customer")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")


class OfferMade(models.Model):
    """One offer made to one customer, where and by whom, and the answer."""

    offer = models.ForeignKey(Offer, on_delete=models.PROTECT, related_name="made")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    ticket = models.ForeignKey(
        Ticket, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    made_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    surface = models.CharField(max_length=10, choices=Surface.choices)
    made_at = models.DateTimeField()
    outcome = models.CharField(max_length=10, choices=Outcome.choices, default=Outcome.PENDING)
    answered_at = models.DateTimeField(null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ("-made_at", "-id")
        indexes = [
            models.Index(fields=["customer", "-made_at"], name="offermade_customer"),
            models.Index(fields=["made_at", "offer"], name="offermade_period"),
        ]
        constraints = [
            # One open offer of a kind per customer: making it again is refused.
            models.UniqueConstraint(
                fields=["offer", "customer"],
                condition=models.Q(outcome="pending"),
                name="one_pending_offer_per_customer",
            )
        ]

    def __str__(self) -> str:
        return f"{self.offer_id} to {self.customer_id} ({self.outcome})"
