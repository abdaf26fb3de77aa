"""One-time sign-in links for the customer portal. Only a hash of the token is stored."""

from __future__ import annotations

from django.db import models

from caredesk.customers.models import Customer


class MagicLink(models.Model):
    """An emailed, single-use, short-lived sign-in link for one customer."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="magic_links")
    # sha256 of the token in the link; the token itself is never stored.
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    requested_ip = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at", "-id")
        indexes = [
            models.Index(fields=["customer", "-created_at"], name="magiclink_customer_created"),
            models.Index(fields=["expires_at"], name="magiclink_expires"),
        ]

    def __str__(self) -> str:
        return f"sign-in link for customer {self.customer_id}"
