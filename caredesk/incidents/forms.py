"""The declare form: what staff type, turned into an audience rule (and the CSV)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from caredesk.core.errors import InvalidInput
from caredesk.customers.models import Organization, Tier
from caredesk.incidents import audience
from caredesk.incidents.models import MAX_TEXT, MAX_TITLE


def _split(value: str) -> list[str]:
    return [v.strip() for v in value.replace("\n", ",").split(",") if v.strip()]


class DeclareForm(forms.Form):
    title = forms.CharField(max_length=MAX_TITLE, label=_("Title"))
    public_text = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=MAX_TEXT,
        label=_("What the customers read"),
    )
    organizations = forms.ModelMultipleChoiceField(
        queryset=Organization.objects.order_by("name"), required=False
    )
    tiers = forms.MultipleChoiceField(
        choices=Tier.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    tags = forms.CharField(
        required=False, max_length=2000, help_text=_("Case tags, comma-separated")
    )
    record_kind = forms.CharField(required=False, max_length=32, help_text=_("e.g. subscription"))
    record_attributes = forms.CharField(
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("One name=value a line, e.g. plan=pro"),
    )
    products = forms.CharField(required=False, max_length=2000, help_text=_("Comma-separated"))
    emails = forms.CharField(
        required=False,
        max_length=200_000,
        widget=forms.Textarea(attrs={"rows": 3}),
        label=_("Or these customers"),
        help_text=_("Mail addresses, one a line or comma-separated"),
    )
    csv_file = forms.FileField(
        required=False, label=_("Or a CSV file (column email or customer_id)")
    )
    confirm_partial = forms.BooleanField(
        required=False, label=_("Import the usable rows and skip the rows reported above")
    )

    def rule(self) -> tuple[audience.Rule, list[audience.RowError]]:
        """The audience rule the form describes, and the CSV rows that were skipped.
        Raises DomainError for malformed input (CSV rows included, unless confirmed)."""
        data: dict[str, Any] = self.cleaned_data
        attributes: dict[str, str] = {}
        for line in (data.get("record_attributes") or "").splitlines():
            if not line.strip():
                continue
            key, sep, value = line.partition("=")
            if not sep:
                raise InvalidInput(
                    f"Record attributes are name=value lines; {line.strip()[:40]!r} is not.",
                    field="record_attributes",
                )
            attributes[key.strip()] = value.strip()
        customer_ids: list[int] = []
        skipped: list[audience.RowError] = []
        emails = "\n".join(_split(data.get("emails") or ""))
        if emails:
            found = audience.csv_customers(emails, confirm=bool(data.get("confirm_partial")))
            customer_ids += found.customer_ids
            skipped += found.errors
        upload = data.get("csv_file")
        if upload is not None:
            raw = upload.read(audience.MAX_CSV_BYTES + 1)
            found = audience.csv_customers(raw, confirm=bool(data.get("confirm_partial")))
            customer_ids += found.customer_ids
            skipped += found.errors
        rule = audience.make_rule(
            organization_ids=[o.pk for o in data.get("organizations") or []],
            tiers=data.get("tiers") or [],
            tags=_split(data.get("tags") or ""),
            record_kind=data.get("record_kind") or "",
            record_attributes=attributes,
            products=_split(data.get("products") or ""),
            customer_ids=customer_ids,
        )
        return rule, skipped


class UpdateForm(forms.Form):
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), max_length=MAX_TEXT)
    essential = forms.BooleanField(required=False)


class ResolveForm(forms.Form):
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), max_length=MAX_TEXT)
