from django.contrib import admin

from caredesk.channels.phone.models import CallLog


@admin.register(CallLog)
class CallLogAdmin(admin.ModelAdmin[CallLog]):
    list_display = ("ticket", "agent", "direction", "outcome", "duration_seconds", "created_at")
    list_filter = ("direction", "outcome")

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False
