"""Customers, the organizations they belong to, and how to reach them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models.functions import Upper
from django.utils import timezone


class Tier(models.TextChoices):
    STANDARD = "standard", "Standard"
    PRIORITY = "priority", "Priority"
    VIP = "vip", "VIP"


class Language(models.TextChoices):
    """The languages the customer's side speaks (the same as settings.LANGUAGES)."""

    UNKNOWN = "", "Not known yet"
    ENGLISH = "en", "English"
    GERMAN = "de", "Deutsch"
    FRENCH = "fr", "Français"
    SPANISH = "es", "Español"


class Organization(models.Model):
    name = models.CharField(max_length=200, unique=True)
    tier = models.CharField(max_length=16, choices=Tier.choices, default=Tier.STANDARD)
    # When true, every customer of the organization sees all of its cases in the portal.
    shared_cases = models.BooleanField(
        default=False, help_text="Members of this organization see each other's cases."
    )
    # VIP handling is explicit and visible, never a hidden override (P8).
    vip_note = models.TextField(
        blank=True, help_text="How cases of this organization are handled, shown to agents."
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("name",)

    def __str__(self) -> str:
        return self.name


class Customer(models.Model):
    name = models.CharField(max_length=200)
    # The language of the portal and of the mails the customer gets: one of
    # settings.LANGUAGES, "" until known (then the browser's, else English). Detected at
    # the first portal sign-in from Accept-Language; the customer or staff change it.
    language = models.CharField(max_length=8, blank=True, default="", choices=Language.choices)
    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.SET_NULL, related_name="customers"
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="customer",
    )
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("name",)
        # Staff search finds a customer's cases by their full name, in any case.
        indexes = [models.Index(Upper("name"), name="customer_name_upper")]

    def __str__(self) -> str:
        return self.name

    @property
    def tier(self) -> str:
        return self.organization.tier if self.organization else Tier.STANDARD

    @property
    def primary_email(self) -> str:
        for identity in self.identities.all():
            if identity.kind == ContactIdentity.Kind.EMAIL:
                return identity.value
        return ""


class ContactIdentity(models.Model):
    """One address a customer can be reached at. Values are stored normalised."""

    class Kind(models.TextChoices):
        EMAIL = "email", "Email"
        PHONE = "phone", "Phone"

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="identities")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    value = models.CharField(max_length=254)
    verified = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("kind", "value")
        constraints = [
            models.UniqueConstraint(fields=["kind", "value"], name="unique_contact_identity")
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.value}"
