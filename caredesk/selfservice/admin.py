"""Admins define self-service request types here; requests are read-only (the actions
write them). Saving a type goes through :func:`actions.do_save_request_type` (the same
checks and audit as the API); types are never deleted (requests refer to them)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import HttpRequest

from caredesk.core import clock
from caredesk.core.errors import DomainError
from caredesk.records.validation import record_kinds
from caredesk.selfservice import actions
from caredesk.selfservice.models import MAX_CONFIRMATION, RequestType, SelfServiceRequest
from caredesk.selfservice.validation import type_errors


class RequestTypeForm(forms.ModelForm):
    record_kinds = forms.MultipleChoiceField(
        choices=(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="None ticked: not about a record (contact details).",
    )
    confirmation_text = forms.CharField(widget=forms.Textarea, max_length=MAX_CONFIRMATION)

    class Meta:
        model = RequestType
        fields = (
            "name",
            "kind",
            "record_kinds",
            "policy",
            "confirmation_text",
            "outcome_hours",
            "offer_retention",
            "is_active",
        )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["record_kinds"]
        assert isinstance(field, forms.MultipleChoiceField)
        field.choices = [(k, k.capitalize()) for k in record_kinds()]

    def clean_record_kinds(self) -> list[str]:
        return list(self.cleaned_data.get("record_kinds") or [])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        probe = RequestType(**{k: v for k, v in data.items() if k != "policy"})
        for field, message in type_errors(probe).items():
            if field in self.fields and field not in self.errors:
                self.add_error(field, message)
        return data


@admin.register(RequestType)
class RequestTypeAdmin(admin.ModelAdmin[RequestType]):
    form = RequestTypeForm
    list_display = ("name", "kind", "policy", "outcome_hours", "offer_retention", "is_active")
    list_filter = ("kind", "is_active")
    search_fields = ("name",)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: RequestType, form: Any, change: bool) -> None:
        try:
            actions.do_save_request_type(obj, actor=request.user, now=clock.now())  # type: ignore[arg-type]
        except DomainError as error:
            messages.error(request, error.message)
            raise DjangoPermissionDenied(error.message) from error


@admin.register(SelfServiceRequest)
class SelfServiceRequestAdmin(admin.ModelAdmin[SelfServiceRequest]):
    list_display = ("type", "customer", "record", "status", "requested_at", "outcome_at", "ticket")
    list_filter = ("status", "type")
    readonly_fields = tuple(f.name for f in SelfServiceRequest._meta.fields)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
