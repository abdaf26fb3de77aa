"""Forms for promises and callback requests: explicit field allow-lists.

Times typed into a form are read in the desk's time zone for the case's team (shown next
to the field) unless they carry their own offset. The actions do the real validation.
"""

from __future__ import annotations

import zoneinfo
from datetime import datetime
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from caredesk.accounts.models import User
from caredesk.core.errors import DomainError
from caredesk.promises.models import Kind

MAX_TIME_INPUT = 40


def parse_local_datetime(raw: str, zone: zoneinfo.ZoneInfo, *, field: str) -> datetime | None:
    """``2026-11-27T15:00`` (read in ``zone``) or ISO 8601 with an offset → aware datetime."""
    value = (raw or "").strip()
    if not value:
        return None
    if len(value) > MAX_TIME_INPUT:
        raise DomainError(f"The {field} is not a date and time.", code="invalid_datetime")
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise DomainError(
            f"The {field} is not a date and time (use the picker, or YYYY-MM-DDTHH:MM).",
            code="invalid_datetime",
        ) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=zone)
    try:
        parsed.utcoffset()
        parsed.astimezone(zoneinfo.ZoneInfo("UTC"))
    except (OverflowError, ValueError):
        raise DomainError(f"The {field} is out of range.", code="invalid_datetime") from None
    return parsed


def _time_input(field_id: str) -> forms.CharField:
    return forms.CharField(
        required=False,
        max_length=MAX_TIME_INPUT,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local", "id": field_id}),
    )


def _note(label: str, field_id: str, rows: int = 2, required: bool = False) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": rows, "id": field_id}),
    )


KIND_CHOICES = list(Kind.choices)


class PromiseForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=KIND_CHOICES)
    text = forms.CharField(label=_("What we promise"), max_length=500)
    due = _time_input("promise-due")
    owner = forms.TypedChoiceField(label=_("Owner"), required=False, coerce=int, empty_value=None)
    customer_visible = forms.BooleanField(label=_("The customer sees this promise"), required=False)

    def __init__(self, *args: Any, staff: list[User], **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "promise-%s")
        super().__init__(*args, **kwargs)
        owner = self.fields["owner"]
        assert isinstance(owner, forms.TypedChoiceField)
        owner.choices = [("", "Me"), *((str(u.pk), u.display_name) for u in staff)]
        self.fields["text"].widget.attrs.update(
            {"placeholder": "e.g. Call you back with the courier's answer", "maxlength": 500}
        )


class KeepForm(forms.Form):
    note = _note("What was done", "keep-note", required=False)


class RenegotiateForm(forms.Form):
    due = _time_input("renegotiate-due")
    message = _note("Message to the customer", "renegotiate-message", rows=3)


class ReassignForm(forms.Form):
    owner = forms.TypedChoiceField(label=_("New owner"), coerce=int, empty_value=None)
    reason = _note("Reason", "reassign-reason")

    def __init__(self, *args: Any, staff: list[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        owner = self.fields["owner"]
        assert isinstance(owner, forms.TypedChoiceField)
        owner.choices = [(str(u.pk), u.display_name) for u in staff]


class CancelForm(forms.Form):
    note = _note("Why it no longer applies", "cancel-note")


class CallbackRequestForm(forms.Form):
    number = forms.CharField(
        label=_("Phone number"),
        max_length=40,
        widget=forms.TextInput(
            attrs={"id": "callback-number", "autocomplete": "tel", "type": "tel"}
        ),
        error_messages={"required": "Tell us which number to call."},
    )
    window_start = _time_input("callback-start")
    window_end = _time_input("callback-end")
    note = forms.CharField(
        label=_("Anything we should know (optional)"),
        required=False,
        max_length=500,
        widget=forms.TextInput(attrs={"id": "callback-note"}),
    )
