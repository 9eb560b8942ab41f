from django.contrib import admin

from assessments.models import Assessment, Feedback, Finding, MatchingRun, Proposal, Recommendation, Visit


class ReadOnlyAdmin(admin.ModelAdmin):
    """For superusers' inspection: assessments and their parts change only through the services."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Assessment)
class AssessmentAdmin(ReadOnlyAdmin):
    # The columns of staff's list of assessments.
    list_display = ["id", "company", "province", "ateco", "manager", "status", "due_on"]
    list_select_related = ["application__company", "manager__user"]
    list_filter = ["status"]
    search_fields = ["application__company__legal_name", "manager__user__last_name"]
    raw_id_fields = ["application", "manager", "run"]

    @admin.display(ordering="application__company__legal_name")
    def company(self, obj: Assessment) -> str:
        return obj.application.company.legal_name

    @admin.display(ordering="application__company__province")
    def province(self, obj: Assessment) -> str:
        return obj.application.company.province

    @admin.display(ordering="application__company__ateco_code")
    def ateco(self, obj: Assessment) -> str:
        return obj.application.company.ateco_code


@admin.register(Visit)
class VisitAdmin(ReadOnlyAdmin):
    list_display = ["id", "assessment", "held_on", "duration", "duration_unit", "mode", "confirmation"]
    list_select_related = ["assessment"]
    raw_id_fields = ["assessment", "answered_by", "recorded_by"]


@admin.register(Finding)
class FindingAdmin(ReadOnlyAdmin):
    list_display = ["id", "assessment", "dimension", "current_level", "target_level"]
    list_select_related = ["assessment"]
    raw_id_fields = ["assessment"]


@admin.register(Recommendation)
class RecommendationAdmin(ReadOnlyAdmin):
    list_display = ["id", "assessment", "title", "dimension", "priority"]
    list_select_related = ["assessment"]
    raw_id_fields = ["assessment"]


@admin.register(Feedback)
class FeedbackAdmin(ReadOnlyAdmin):
    list_display = ["id", "assessment", "rating", "created_at"]
    list_select_related = ["assessment"]
    raw_id_fields = ["assessment", "given_by"]


@admin.register(MatchingRun)
class MatchingRunAdmin(ReadOnlyAdmin):
    # The columns of the matching page's runs.
    list_display = [
        "id",
        "status",
        "stage",
        "started_by",
        "smes_considered",
        "managers_considered",
        "created_at",
    ]
    list_select_related = ["started_by"]
    list_filter = ["status"]


@admin.register(Proposal)
class ProposalAdmin(ReadOnlyAdmin):
    list_display = ["id", "run", "application", "manager", "fit", "dropped", "swapped"]
    list_select_related = ["run", "application__company", "manager__user"]
    raw_id_fields = ["run", "application", "manager"]
