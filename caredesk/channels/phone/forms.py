"""The call log form: exactly the fields a request may set."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from caredesk.channels.phone.models import Direction, Outcome


class CallForm(forms.Form):
    direction = forms.ChoiceField(label=_("Direction"), choices=Direction.choices)
    number = forms.CharField(
        label=pgettext_lazy("a phone number", "Number"), required=False, max_length=40
    )
    minutes = forms.IntegerField(label=_("Minutes"), min_value=0, max_value=1440, initial=0)
    seconds = forms.IntegerField(
        label=_("Seconds"), min_value=0, max_value=59, initial=0, required=False
    )
    outcome = forms.ChoiceField(label=_("Outcome"), choices=Outcome.choices)
    notes = forms.CharField(
        label=_("Notes (staff only)"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "call-%s")
        super().__init__(*args, **kwargs)
        self.fields["number"].widget.attrs.update({"type": "tel", "autocomplete": "off"})

    def duration_seconds(self) -> int:
        return int(self.cleaned_data["minutes"]) * 60 + int(self.cleaned_data.get("seconds") or 0)
