from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from officepass.accounts.models import Company, Plan, User


@admin.register(User)
class UserAdmin(admin.ModelAdmin):
    """A member's plan is changed only by `member_plan_change` (console: Members), which moves
    the ticket account's postpaid flag with it and writes the audit row; here it is read-only
    (a plan changed here left a basic member postpaid, free to go below zero)."""

    list_display = ("email", "name", "plan", "company", "operator", "is_staff")
    list_filter = ("plan", "is_staff")
    search_fields = ("email", "name")
    exclude = ("password",)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        return ("plan",) if obj is not None else ()


@admin.register(Plan)
class PlanAdmin(admin.ModelAdmin):
    """Whether a plan is postpaid is fixed once it exists: every member's ticket account
    copies it, so flipping it here would leave their accounts on the other rule."""

    list_display = ("code", "name", "kind", "tickets_per_cycle", "postpaid")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        return ("postpaid",) if obj is not None else ()


admin.site.register(Company)
