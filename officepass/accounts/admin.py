from django.contrib import admin

from officepass.accounts.models import Company, Plan, User


@admin.register(User)
class UserAdmin(admin.ModelAdmin):
    list_display = ("email", "name", "plan", "company", "operator", "is_staff")
    list_filter = ("plan", "is_staff")
    search_fields = ("email", "name")
    exclude = ("password",)


admin.site.register(Plan)
admin.site.register(Company)
