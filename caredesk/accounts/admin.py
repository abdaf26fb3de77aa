"""Admin for people, teams and API tokens. Token secrets are never shown (only a hash exists).

Staff and teams are saved through :mod:`caredesk.accounts.actions`, the functions the API
calls (one way, audited). People are never deleted: untick *active* to deactivate (their
tokens are revoked and their open cases go back to their team's queue). The admin pages
and the Django admin flags follow the role: admins have them, nobody else.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import BaseUserCreationForm
from django.contrib.auth.forms import UserChangeForm as DjangoUserChangeForm
from django.db.models import QuerySet
from django.forms import ModelForm
from django.http import HttpRequest

from caredesk.accounts import actions
from caredesk.accounts.actions import do_revoke_api_token
from caredesk.accounts.models import (
    STAFF_ROLES,
    ApiToken,
    Membership,
    PasswordThrottle,
    Role,
    Team,
    User,
)
from caredesk.core.admin_errors import ActionErrorsAsMessages
from caredesk.core.clock import now
from caredesk.core.errors import DomainError

STAFF_CHOICES = [(r.value, r.label) for r in STAFF_ROLES]


def _actor(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


class UserCreationForm(BaseUserCreationForm[User]):
    role = forms.ChoiceField(choices=STAFF_CHOICES, initial=Role.AGENT)

    class Meta:
        model = User
        fields = ("email", "name", "role")

    def clean_email(self) -> str:
        return str(self.cleaned_data["email"]).strip().lower()


class UserChangeForm(DjangoUserChangeForm[User]):
    class Meta:
        model = User
        fields = "__all__"


@admin.register(User)
class UserAdmin(ActionErrorsAsMessages, DjangoUserAdmin[User]):
    """Email is the user name; there is no separate username, first or last name."""

    form = UserChangeForm
    add_form = UserCreationForm
    list_display = ("email", "name", "role", "is_active", "is_away", "is_staff", "last_login")
    list_filter = ("role", "is_active", "is_away", "is_staff")
    search_fields = ("email", "name")
    ordering = ("name", "email")
    readonly_fields = ("email", "is_away", "is_staff", "is_superuser", "last_login", "date_joined")
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Profile", {"fields": ("name", "role", "is_away")}),
        ("Access", {"fields": ("is_active", "is_staff", "is_superuser")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("email", "name", "role", "password1", "password2"),
            },
        ),
    )

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return () if obj is None else self.readonly_fields

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Customer accounts belong to the portal (sign-in links); staff are edited here.
        if obj is not None and obj.is_customer:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # deactivate instead: a person's history stays theirs

    def save_model(
        self, request: HttpRequest, obj: User, form: ModelForm[Any], change: bool
    ) -> None:
        actor, at = _actor(request), now()
        data = form.cleaned_data
        if not change:
            saved = actions.do_create_staff(
                actor=actor,
                email=data["email"],
                name=data["name"],
                role=data["role"],
                password=data.get("password1") or None,
                now=at,
            )
            obj.pk = saved.pk
            return
        user = User.objects.get(pk=obj.pk)
        actions.do_update_staff(user, actor=actor, now=at, name=data["name"], role=data["role"])
        if data["is_active"] and not user.is_active:
            actions.do_reactivate_staff(user, actor=actor, now=at)
        elif not data["is_active"] and user.is_active:
            actions.do_deactivate_staff(user, actor=actor, now=at)

    def save_related(
        self, request: HttpRequest, form: ModelForm[Any], formsets: Any, change: bool
    ) -> None:
        """Nothing related: roles, not groups, decide what staff may do."""


class TeamForm(forms.ModelForm[Team]):
    staff_members = forms.ModelMultipleChoiceField(
        queryset=User.objects.filter(role__in=STAFF_ROLES, is_active=True).order_by("name"),
        required=False,
        label="Members",
        widget=forms.CheckboxSelectMultiple,
        help_text="The lead is always a member.",
    )

    class Meta:
        model = Team
        fields = ("name", "slug", "lead", "description")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["staff_members"].initial = list(
                Membership.objects.filter(team=self.instance).values_list("user_id", flat=True)
            )


@admin.register(Team)
class TeamAdmin(ActionErrorsAsMessages, admin.ModelAdmin[Team]):
    form = TeamForm
    list_display = ("name", "slug", "lead")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}
    autocomplete_fields = ("lead",)

    def save_model(
        self, request: HttpRequest, obj: Team, form: ModelForm[Any], change: bool
    ) -> None:
        data = form.cleaned_data
        fields: dict[str, Any] = {
            "name": data["name"],
            "slug": data["slug"],
            "description": data.get("description") or "",
            "lead_id": data["lead"].pk if data.get("lead") else None,
            "member_ids": [u.pk for u in data.get("staff_members") or []],
        }
        if change:
            saved = actions.do_update_team(obj, actor=_actor(request), now=now(), **fields)
        else:
            saved = actions.do_create_team(actor=_actor(request), now=now(), **fields)
        obj.pk = saved.pk

    def save_related(
        self, request: HttpRequest, form: ModelForm[Any], formsets: Any, change: bool
    ) -> None:
        """The members were saved with the team by the action."""

    def delete_model(self, request: HttpRequest, obj: Team) -> None:
        actions.do_delete_team(obj, actor=_actor(request), now=now())

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Team]) -> None:
        for team in queryset:
            try:
                self.delete_model(request, team)
            except DomainError as error:
                self.message_user(request, f"{team}: {error.message}", messages.ERROR)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin[ApiToken]):
    """Tokens are created by their owner (the plaintext is shown once); admins may revoke."""

    list_display = ("name", "user", "kind", "prefix", "created_at", "last_used_at", "revoked_at")
    list_filter = ("kind",)
    search_fields = ("name", "prefix", "user__email")
    readonly_fields = (
        "user",
        "kind",
        "name",
        "prefix",
        "secret_hash",
        "created_at",
        "last_used_at",
        "revoked_at",
    )
    actions = ("revoke",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(description="Revoke the selected tokens")
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        actor = request.user
        assert isinstance(actor, User)
        count = 0
        for token in queryset.filter(revoked_at__isnull=True):
            try:
                do_revoke_api_token(actor=actor, token_id=token.pk, now=now())
                count += 1
            except DomainError as error:
                self.message_user(request, error.message, messages.ERROR)
        self.message_user(request, f"Revoked {count} token(s).", messages.SUCCESS)


@admin.register(PasswordThrottle)
class PasswordThrottleAdmin(admin.ModelAdmin[PasswordThrottle]):
    """Addresses that typed wrong passwords for an account, and until when they wait. Only
    the right password (from that address) or an admin's unlock clears them."""

    list_display = ("email", "ip", "failures", "blocked_until", "last_failure_at")
    search_fields = ("email", "ip")
    ordering = ("-last_failure_at",)
    actions = ("unlock",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(description="Unlock sign-in for the selected accounts (every address)")
    def unlock(self, request: HttpRequest, queryset: QuerySet[PasswordThrottle]) -> None:
        emails = sorted(set(queryset.values_list("email", flat=True)))
        try:
            for email in emails:
                actions.do_unlock_sign_in(actor=_actor(request), email=email, now=now())
        except DomainError as error:
            self.message_user(request, error.message, messages.ERROR)
            return
        self.message_user(request, f"Unlocked sign-in for {len(emails)} account(s).")
