"""What an import already brought over, by the source's own ids: a re-run skips it, so
an interrupted import continues where it stopped and never doubles a case."""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class ImportedObject(models.Model):
    class Kind(models.TextChoices):
        STAFF = "staff", "Staff member"
        TEAM = "team", "Team"
        ORGANIZATION = "org", "Organization"
        CUSTOMER = "customer", "Customer"
        CASE = "case", "Case"

    # "zendesk:acme.zendesk.com", "zammad:help.example.com", "csv:export.csv".
    source = models.CharField(max_length=200)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    source_id = models.CharField(max_length=100)
    target_id = models.BigIntegerField()
    imported_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("id",)
        constraints = [
            models.UniqueConstraint(
                fields=["source", "kind", "source_id"], name="imported_once_per_source"
            )
        ]

    def __str__(self) -> str:
        return f"{self.source} {self.kind} {self.source_id} → {self.target_id}"
