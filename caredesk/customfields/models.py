"""Custom fields: admin-defined fields on cases, customers and organizations.

Only :mod:`caredesk.customfields.actions` writes these rows. A value is one row of
:class:`FieldValue` per (field, object) — one per chosen option for a multi select — with
the value in the column of its type, so "cases whose field X is Y" is a range scan on an
index of (field, value column, object) (docs/adr/0028-custom-fields.md).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from caredesk.accounts.models import Team


class Target(models.TextChoices):
    CASE = "case", _("Cases")
    CUSTOMER = "customer", _("Customers")
    ORGANIZATION = "organization", _("Organizations")


class Kind(models.TextChoices):
    TEXT = "text", _("Text")
    NUMBER = "number", _("Number")
    DATE = "date", _("Date")
    SELECT = "select", _("Single select")
    MULTISELECT = "multiselect", _("Multi select")
    CHECKBOX = "checkbox", _("Checkbox")


class FieldDefinition(models.Model):
    # Stable: values, filters (field:<key>=...), the API and imports refer to the key.
    key = models.SlugField(max_length=40)
    target = models.CharField(max_length=16, choices=Target.choices)
    label = models.CharField(max_length=80)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    options = models.JSONField(default=list, blank=True)  # select kinds: list of strings
    help_text = models.CharField(max_length=300, blank=True)
    # Case fields only: shown (and validated) in the portal's new-case form.
    public = models.BooleanField(default=False)
    # Empty: every team sees the field; else only members of these teams (and managers).
    teams = models.ManyToManyField(Team, blank=True, related_name="custom_fields")
    # Case fields only: statuses a case may not enter while the field is empty.
    required_on = models.JSONField(default=list, blank=True)
    position = models.PositiveIntegerField(default=0)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ("target", "position", "label", "id")
        constraints = [
            models.UniqueConstraint(fields=["target", "key"], name="customfield_unique_key")
        ]

    def __str__(self) -> str:
        return f"{self.label} ({self.target})"


class FieldValue(models.Model):
    # No index of its own: the value indexes below start with the field.
    field = models.ForeignKey(
        FieldDefinition, on_delete=models.CASCADE, related_name="values", db_index=False
    )
    # The case, customer or organization id (the field's target says which table).
    object_id = models.BigIntegerField()
    value_text = models.CharField(max_length=500, null=True, blank=True)
    value_number = models.DecimalField(max_digits=20, decimal_places=6, null=True, blank=True)
    value_date = models.DateField(null=True, blank=True)

    class Meta:
        indexes = [
            # The object's values (pages, API responses, required checks).
            models.Index(fields=["object_id", "field"], name="fieldvalue_object"),
            # Filters: field:<key>=<value> on each value column.
            models.Index(fields=["field", "value_text", "object_id"], name="fieldvalue_text"),
            models.Index(fields=["field", "value_number", "object_id"], name="fieldvalue_number"),
            models.Index(fields=["field", "value_date", "object_id"], name="fieldvalue_date"),
        ]

    def __str__(self) -> str:
        return f"{self.field_id}/{self.object_id}"
