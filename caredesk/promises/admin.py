from django.contrib import admin

from caredesk.promises.models import Promise, PromiseTemplate


@admin.register(PromiseTemplate)
class PromiseTemplateAdmin(admin.ModelAdmin[PromiseTemplate]):
    list_display = ("name", "updated_at")
    fields = ("name", "subject", "text")


@admin.register(Promise)
class PromiseAdmin(admin.ModelAdmin[Promise]):
    """Read-only: promises change only through their actions (and so are audited)."""

    list_display = ("text", "kind", "state", "owner", "due_at", "ticket")
    list_filter = ("state", "kind")
    search_fields = ("text",)

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: object, obj: object = None) -> bool:
        return False
