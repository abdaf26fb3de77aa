"""Admins define action types and per-role authority limits here; the rest is read-only."""

from __future__ import annotations

from django.contrib import admin

from caredesk.escalations.models import (
    ActionType,
    ApprovalRequest,
    AuthorityLimit,
    Delegation,
    Escalation,
)


class AuthorityLimitInline(admin.TabularInline[AuthorityLimit, ActionType]):
    model = AuthorityLimit
    extra = 0


@admin.register(ActionType)
class ActionTypeAdmin(admin.ModelAdmin[ActionType]):
    list_display = ("name", "slug", "has_amount", "is_vip_exception", "is_active")
    prepopulated_fields = {"slug": ("name",)}
    inlines = (AuthorityLimitInline,)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Changed only through actions (audited); admins may look."""

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: object, obj: object = None) -> bool:
        return False


@admin.register(Escalation)
class EscalationAdmin(ReadOnlyAdmin):
    list_display = ("ticket", "level", "owner", "source", "status", "due_at")
    list_filter = ("status", "level", "source")


@admin.register(ApprovalRequest)
class ApprovalRequestAdmin(ReadOnlyAdmin):
    list_display = ("ticket", "action_type", "amount", "status", "approver", "due_at")
    list_filter = ("status", "action_type")


@admin.register(Delegation)
class DelegationAdmin(ReadOnlyAdmin):
    list_display = ("delegator", "delegate", "starts_at", "ends_at", "cancelled_at")
