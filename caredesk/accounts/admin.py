"""Admin for people, teams and API tokens. Token secrets are never shown (only a hash exists)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import BaseUserCreationForm
from django.contrib.auth.forms import UserChangeForm as DjangoUserChangeForm
from django.db.models import QuerySet
from django.http import HttpRequest

from caredesk.accounts.actions import do_revoke_api_token
from caredesk.accounts.models import ApiToken, Membership, Team, User
from caredesk.core.clock import now
from caredesk.core.errors import DomainError


class UserCreationForm(BaseUserCreationForm[User]):
    class Meta:
        model = User
        fields = ("email", "name", "role")

    def clean_email(self) -> str:
        return str(self.cleaned_data["email"]).strip().lower()


class UserChangeForm(DjangoUserChangeForm[User]):
    class Meta:
        model = User
        fields = "__all__"


class MembershipInline(admin.TabularInline[Membership, Team]):
    model = Membership
    extra = 1
    autocomplete_fields = ("user",)


@admin.register(User)
class UserAdmin(DjangoUserAdmin[User]):
    """Email is the user name; there is no separate username, first or last name."""

    form = UserChangeForm
    add_form = UserCreationForm
    list_display = ("email", "name", "role", "is_active", "is_away", "is_staff", "last_login")
    list_filter = ("role", "is_active", "is_away", "is_staff")
    search_fields = ("email", "name")
    ordering = ("name", "email")
    readonly_fields = ("last_login", "date_joined")
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Profile", {"fields": ("name", "role", "is_away")}),
        (
            "Access",
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
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
    filter_horizontal = ("groups", "user_permissions")


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin[Team]):
    list_display = ("name", "slug", "lead")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}
    autocomplete_fields = ("lead",)
    inlines = (MembershipInline,)


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
