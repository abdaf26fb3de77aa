"""Admin views of cases and the audit log: read-only. Case changes go through actions
(the agent workspace), so they are audited and their side effects run."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from caredesk.tickets.models import AuditEvent, Tag, Ticket


class ReadOnlyAdmin(admin.ModelAdmin[Any]):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Ticket)
class TicketAdmin(ReadOnlyAdmin):
    list_display = (
        "reference",
        "subject",
        "status",
        "priority",
        "customer",
        "organization",
        "team",
        "assignee",
        "updated_at",
    )
    list_filter = ("status", "priority", "channel", "team")
    search_fields = ("subject", "customer__name")
    list_select_related = ("customer", "organization", "team", "assignee")
    ordering = ("-updated_at", "-id")
    show_full_result_count = False
    exclude = ("tags",)

    @admin.display(description="Case", ordering="id")
    def reference(self, obj: Ticket) -> str:
        return obj.reference

    def view_on_site(self, obj: Ticket) -> str:
        return f"/cases/{obj.pk}/"


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin[Tag]):
    list_display = ("name",)
    search_fields = ("name",)


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "actor_label", "actor_kind", "verb", "field", "ticket", "public")
    list_filter = ("actor_kind", "verb", "public")
    search_fields = ("actor_label", "verb", "note")
    list_select_related = ("ticket",)
    ordering = ("-created_at", "-id")
    show_full_result_count = False
