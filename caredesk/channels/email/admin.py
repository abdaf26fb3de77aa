"""Django admin: mailboxes (password write-only, stored encrypted) and mail templates."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest

from caredesk.channels.email.models import Mailbox, MailTemplate, OutboundEmail
from caredesk.core.clock import now


class MailboxForm(forms.ModelForm[Mailbox]):
    new_password = forms.CharField(
        label="Password",
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text="Stored encrypted. Leave empty to keep the current password.",
    )

    class Meta:
        model = Mailbox
        fields = [
            "name",
            "address",
            "host",
            "port",
            "use_tls",
            "starttls",
            "username",
            "folder",
            "move_to",
            "enabled",
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("use_tls") and data.get("starttls"):
            raise forms.ValidationError("Choose implicit TLS or STARTTLS, not both.")
        if not data.get("new_password") and not (
            self.instance and self.instance.password_encrypted
        ):
            raise forms.ValidationError("A password is required for a new mailbox.")
        return data

    def save(self, commit: bool = True) -> Mailbox:
        mailbox: Mailbox = super().save(commit=False)
        if self.cleaned_data.get("new_password"):
            mailbox.password = self.cleaned_data["new_password"]
        if commit:
            mailbox.save()
        return mailbox


@admin.register(Mailbox)
class MailboxAdmin(admin.ModelAdmin[Mailbox]):
    form = MailboxForm
    list_display = (
        "name",
        "address",
        "host",
        "port",
        "folder",
        "enabled",
        "last_polled_at",
        "last_error",
    )
    readonly_fields = ("last_polled_at", "last_error")


@admin.register(MailTemplate)
class MailTemplateAdmin(admin.ModelAdmin[MailTemplate]):
    list_display = ("name", "subject", "updated_at", "updated_by")
    readonly_fields = ("updated_at", "updated_by")

    def save_model(self, request: HttpRequest, obj: MailTemplate, form: Any, change: bool) -> None:
        obj.updated_at = now()
        obj.updated_by = request.user  # type: ignore[assignment]
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
