from django.contrib import admin

from smes.models import Application, Company, CompanyMembership


class MembershipInline(admin.TabularInline):
    model = CompanyMembership
    fk_name = "company"
    extra = 0
    raw_id_fields = ["user", "invited_by"]


@admin.register(Company)
class CompanyAdmin(admin.ModelAdmin):
    list_display = ["legal_name", "vat_number", "province", "ateco_code", "employees"]
    list_filter = ["province", "ateco_section"]
    search_fields = ["legal_name", "vat_number"]
    inlines = [MembershipInline]


@admin.register(Application)
class ApplicationAdmin(admin.ModelAdmin):
    """Read-only: statuses and the enrolment counter move only through the services."""

    list_display = ["company", "programme", "status", "size_class", "waitlist_position", "submitted_at"]
    list_filter = ["programme", "status", "size_class"]
    search_fields = ["company__legal_name", "company__vat_number"]
    raw_id_fields = ["company", "created_by", "declared_by"]

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_add_permission(self, request) -> bool:
        return False
