"""Customer records in the admin: read-only lists (records change through the API, the
CSV import and the workspace forms, which all use the record actions)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from caredesk.records.models import Record, RecordLine


class LineInline(admin.TabularInline[RecordLine, Record]):
    model = RecordLine
    extra = 0
    fields = ("product", "category", "quantity", "price", "delivered_at", "attributes")

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # cases link to records; the business's system owns them (the API)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Record)
class RecordAdmin(admin.ModelAdmin[Record]):
    list_display = (
        "kind",
        "external_id",
        "customer",
        "organization",
        "status",
        "amount",
        "updated_at",
    )
    list_filter = ("kind", "source")
    search_fields = ("external_id", "customer__name", "organization__name")
    list_select_related = ("customer", "organization")
    inlines = (LineInline,)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # cases link to records; the business's system owns them (the API)
