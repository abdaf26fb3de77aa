"""Forms of the offer pages, and the admin's offer form (the same checks as the API)."""

from __future__ import annotations

from typing import Any

from django import forms

from caredesk.customers.models import Tier
from caredesk.offers.models import MAX_TEXT, Offer, offer_field_errors


class OfferChoiceForm(forms.Form):
    offer = forms.IntegerField(min_value=1, max_value=2**63 - 1)


class OfferAdminForm(forms.ModelForm):
    tiers = forms.MultipleChoiceField(
        choices=Tier.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="None ticked: every tier.",
    )
    text = forms.CharField(widget=forms.Textarea, max_length=MAX_TEXT)

    class Meta:
        model = Offer
        fields = (
            "name",
            "kind",
            "text",
            "code",
            "is_active",
            "starts_at",
            "ends_at",
            "tiers",
            "organizations",
            "segments",
            "tags",
        )

    def clean_code(self) -> str:
        return str(self.cleaned_data.get("code") or "").strip().upper()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        errors = offer_field_errors(
            name=data.get("name") or "",
            kind=data.get("kind") or "",
            text=data.get("text") or "",
            code=str(data.get("code") or "").strip().upper(),
            tiers=list(data.get("tiers") or []),
            starts_at=data.get("starts_at"),
            ends_at=data.get("ends_at"),
        )
        for field, message in errors.items():
            if field not in self.errors:
                self.add_error(field if field in self.fields else None, message)
        data["tiers"] = list(data.get("tiers") or [])
        return data
