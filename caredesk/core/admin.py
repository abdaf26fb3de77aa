"""The event log in the admin, read-only: every domain event, including the audited
changes that are not about a case (accounts, customers, organizations)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from caredesk.core.models import Event


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
