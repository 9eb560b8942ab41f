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

    # The columns of staff's list of applications.
    list_display = [
        "company",
        "vat_number",
        "province",
        "ateco",
        "employees",
        "size_class",
        "status",
        "submitted_at",
    ]
    list_select_related = ["company"]
    list_filter = ["programme", "status", "size_class"]
    search_fields = ["company__legal_name", "company__vat_number"]
    raw_id_fields = ["company", "created_by", "declared_by"]

    @admin.display(ordering="company__vat_number")
    def vat_number(self, obj: Application) -> str:
        return obj.company.vat_number

    @admin.display(ordering="company__province")
    def province(self, obj: Application) -> str:
        return obj.company.province

    @admin.display(ordering="company__ateco_code")
    def ateco(self, obj: Application) -> str:
        return obj.company.ateco_code

    @admin.display(ordering="company__employees")
    def employees(self, obj: Application) -> int:
        return obj.company.employees

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_add_permission(self, request) -> bool:
        return False
