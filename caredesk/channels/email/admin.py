"""Django admin: mailboxes (password write-only, stored encrypted) and mail templates."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin

from caredesk.channels.email.models import Mailbox


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
