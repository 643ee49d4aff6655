from django.contrib import admin
from django.http import HttpRequest

from officepass.stays.models import Stay


@admin.register(Stay)
class StayAdmin(admin.ModelAdmin):
    """Read-only: stays change only through the services (audit rows, counters)."""

    list_display = ("id", "member", "office", "space", "status", "started_at", "deadline")
    list_filter = ("status",)

    def has_change_permission(self, request: HttpRequest, obj: Stay | None = None) -> bool:
        return False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
