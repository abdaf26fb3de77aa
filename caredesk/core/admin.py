"""Admin pages of the spine: every built-in mail's text, the outbox and the event log
(both read only: the event log holds every domain event, including the audited changes
that are not about a case — accounts, customers, organizations)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest

from caredesk.core import mails
from caredesk.core.clock import now
from caredesk.core.models import Event, MailTemplate, OutboundEmail


class MailTemplateForm(forms.ModelForm[MailTemplate]):
    name = forms.ChoiceField(
        choices=mails.choices,
        help_text="Which of caredesk's mails this replaces. Each mail's built-in text is its "
        "template file; leave a field empty to keep the built-in one.",
    )

    class Meta:
        model = MailTemplate
        fields = ("name", "subject", "text", "html")


@admin.register(MailTemplate)
class MailTemplateAdmin(admin.ModelAdmin[MailTemplate]):
    form = MailTemplateForm
    list_display = ("name", "__str__", "subject", "updated_at")
    readonly_fields = ("updated_at", "updated_by_id")

    def save_model(self, request: HttpRequest, obj: MailTemplate, form: Any, change: bool) -> None:
        obj.updated_at = now()
        obj.updated_by_id = request.user.pk
        super().save_model(request, obj, form, change)


@admin.register(OutboundEmail)
class OutboundEmailAdmin(admin.ModelAdmin[OutboundEmail]):
    list_display = ("created_at", "kind", "to", "subject", "state", "attempts", "last_error")
    list_filter = ("state", "kind")
    search_fields = ("to", "subject", "rfc_message_id")
    readonly_fields = [f.name for f in OutboundEmail._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Event)
class EventAdmin(admin.ModelAdmin[Event]):
    list_display = ("created_at", "kind", "actor_label", "ticket_id")
    list_filter = ("kind",)
    search_fields = ("kind", "actor_label")
    ordering = ("-id",)
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
