"""Forms of the offer pages, and the admin's offer form (the same checks as the API)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from caredesk.customers.models import Tier
from caredesk.offers.models import MAX_TEXT, Offer


class OfferChoiceForm(forms.Form):
    offer = forms.IntegerField(min_value=1, max_value=2**63 - 1)


class OfferAdminForm(forms.ModelForm):
    tiers = forms.MultipleChoiceField(
        choices=Tier.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: every tier."),
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

    def clean_tiers(self) -> list[str]:
        # The model's clean() checks the offer as a whole (offer_field_errors), once.
        return list(self.cleaned_data.get("tiers") or [])
