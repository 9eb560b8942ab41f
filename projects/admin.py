from django.contrib import admin

from projects.models import Approval, Milestone, Project, Recusal


class ReadOnlyAdmin(admin.ModelAdmin):
    """For superusers' inspection: projects, decisions and tranches change only through the
    services, which keep the envelope's counters."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class MilestoneInline(admin.TabularInline):
    model = Milestone
    extra = 0
    fields = ["position", "title", "due_on", "tranche", "status", "paid_at"]
    readonly_fields = fields
    can_delete = False


@admin.register(Project)
class ProjectAdmin(ReadOnlyAdmin):
    # The columns of staff's list of projects.
    list_display = [
        "id",
        "company",
        "title",
        "facilitator",
        "status",
        "total_cost",
        "financing_requested",
        "score",
        "submitted_at",
    ]
    list_select_related = ["assessment__application__company", "facilitator__user"]
    list_filter = ["status"]
    search_fields = ["title", "assessment__application__company__legal_name"]
    raw_id_fields = ["assessment", "facilitator", "created_by", "declared_by"]
    inlines = [MilestoneInline]

    @admin.display(ordering="assessment__application__company__legal_name")
    def company(self, obj: Project) -> str:
        return obj.assessment.application.company.legal_name


@admin.register(Approval)
class ApprovalAdmin(ReadOnlyAdmin):
    list_display = ["id", "project", "administrator", "decision", "amount", "created_at"]
    list_select_related = ["project", "administrator"]
    raw_id_fields = ["project", "administrator"]


@admin.register(Recusal)
class RecusalAdmin(ReadOnlyAdmin):
    list_display = ["id", "project", "administrator", "created_at"]
    list_select_related = ["project", "administrator"]
    raw_id_fields = ["project", "administrator"]
