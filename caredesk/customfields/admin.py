"""Custom fields in the Django admin: saved through the actions (docs/adr/0011)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.forms import ModelForm
from django.http import HttpRequest

from caredesk.accounts.models import User
from caredesk.core import clock
from caredesk.core.admin_errors import ActionErrorsAsMessages
from caredesk.customfields import actions
from caredesk.customfields.models import FieldDefinition
from caredesk.customfields.validation import DefinitionData


def _actor(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


@admin.register(FieldDefinition)
class FieldDefinitionAdmin(ActionErrorsAsMessages, admin.ModelAdmin[FieldDefinition]):
    list_display = ("label", "key", "target", "kind", "public", "is_active", "position")
    list_filter = ("target", "kind", "is_active")
    fields = (
        "target",
        "key",
        "label",
        "kind",
        "options",
        "help_text",
        "public",
        "teams",
        "required_on",
        "position",
    )
    readonly_fields = ("is_active",)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # retire a field: its values and key stay

    def save_model(
        self, request: HttpRequest, obj: FieldDefinition, form: ModelForm[Any], change: bool
    ) -> None:
        """Saved with its teams in :meth:`save_related`, in one action."""

    def save_related(
        self, request: HttpRequest, form: ModelForm[Any], formsets: Any, change: bool
    ) -> None:
        data = form.cleaned_data
        spec = DefinitionData(
            key=data.get("key"),
            target=data.get("target"),
            label=data.get("label"),
            kind=data.get("kind"),
            options=data.get("options") or [],
            help_text=data.get("help_text") or "",
            public=bool(data.get("public")),
            required_on=data.get("required_on") or [],
            team_ids=[t.pk for t in data.get("teams") or []],
            position=data.get("position") or 0,
        )
        if change:
            form.instance = actions.do_change_field(
                actor=_actor(request), definition=form.instance, data=spec, now=clock.now()
            )
        else:
            form.instance = actions.do_define_field(
                actor=_actor(request), data=spec, now=clock.now()
            )
