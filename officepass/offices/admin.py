from django.contrib import admin

from officepass.offices.models import Office, Operator, Space


class SpaceInline(admin.TabularInline):
    model = Space
    extra = 0
    readonly_fields = ("in_use",)


@admin.register(Operator)
class OperatorAdmin(admin.ModelAdmin):
    list_display = ("name", "payout_per_ticket", "registration_number")
    # Rates are appended in the console (settlement.PayoutRate), never overwritten here.
    readonly_fields = ("payout_per_ticket",)


@admin.register(Office)
class OfficeAdmin(admin.ModelAdmin):
    list_display = ("name", "operator", "unit_minutes", "timezone", "is_active")
    list_filter = ("operator", "is_active")
    search_fields = ("name", "address")
    inlines = [SpaceInline]
