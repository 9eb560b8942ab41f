from django.contrib import admin

from managers.models import (
    CompetenceRating,
    Manager,
    MeritReview,
    ReviewConflict,
    SectorExperience,
    UnavailabilityPeriod,
)


class SectorInline(admin.TabularInline):
    model = SectorExperience
    extra = 0


class CompetenceInline(admin.TabularInline):
    model = CompetenceRating
    extra = 0


class UnavailabilityInline(admin.TabularInline):
    model = UnavailabilityPeriod
    extra = 0


@admin.register(Manager)
class ManagerAdmin(admin.ModelAdmin):
    """For superusers' inspection. Statuses, scores and counters move only through the services."""

    # The columns of staff's pool of managers.
    list_display = [
        "__str__",
        "status",
        "home_province",
        "provinces",
        "capacity",
        "open_assessments",
        "available_from",
        "merit_score",
    ]
    list_select_related = ["user"]
    list_filter = ["programme", "status", "employment_situation"]
    search_fields = ["user__email", "user__first_name", "user__last_name"]
    raw_id_fields = ["user"]
    readonly_fields = [
        "status",
        "merit_score",
        "open_assessments",
        "decision_reason",
        "applied_at",
        "decided_at",
        "left_at",
        "cv",
    ]
    inlines = [SectorInline, CompetenceInline, UnavailabilityInline]


@admin.register(MeritReview)
class MeritReviewAdmin(admin.ModelAdmin):
    list_display = ["manager", "reviewer", "weighted_score", "created_at"]
    raw_id_fields = ["manager", "reviewer"]

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ReviewConflict)
class ReviewConflictAdmin(admin.ModelAdmin):
    list_display = ["manager", "reviewer", "note", "created_at"]
    raw_id_fields = ["manager", "reviewer"]
