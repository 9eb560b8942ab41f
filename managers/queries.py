"""Read side of the manager pool: querysets shaped for its pages, the home and the figures."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from managers.merit import CRITERIA_KEYS
from managers.models import (
    CompetenceRating,
    Manager,
    ManagerStatus,
    MeritReview,
    ReviewConflict,
    SectorExperience,
    UnavailabilityPeriod,
)
from programme import figures
from programme import queries as programme_queries
from programme.models import Programme, User
from programme.reference import AssessmentArea
from programme.rules import is_programme_staff


def headline_figures(programme: Programme) -> dict[str, int]:
    """The pool's public figure: managers selected, neither suspended nor gone."""
    return {"managers_selected": Manager.objects.filter(programme=programme).in_pool().count()}


def _profile_prefetches() -> list:
    return [
        Prefetch("sector_experiences", queryset=SectorExperience.objects.order_by("section", "division")),
        Prefetch("competences", queryset=CompetenceRating.objects.order_by("-level", "area")),
        Prefetch(
            "unavailability_periods",
            queryset=UnavailabilityPeriod.objects.filter(ends_on__gte=timezone.localdate()).order_by(
                "starts_on"
            ),
            to_attr="upcoming_unavailability",
        ),
    ]


def manager_of(user: User, programme: Programme | None) -> Manager | None:
    """The user's own row in the programme's pool, with its profile rows, or None if they have not started."""
    if programme is None or not user.is_authenticated:
        return None
    return (
        Manager.objects.filter(programme=programme, user=user)
        .select_related("user", "programme")
        .prefetch_related(*_profile_prefetches())
        .first()
    )


def visible_managers(user: User) -> QuerySet[Manager]:
    """The managers a user may see: staff all of them, a manager their own."""
    managers = Manager.objects.select_related("user", "programme")
    if is_programme_staff(user):
        return managers
    return managers.filter(user=user)


def missing_for_application(manager: Manager) -> list[Promise]:
    """What the profile still lacks before it can be submitted, in the order of the form."""
    missing: list[Promise] = []
    required = (
        ("phone", _("your telephone number")),
        ("city", _("your town of residence")),
        ("home_province", _("your province of residence")),
        ("employment_situation", _("your current employment situation")),
        ("years_of_experience", _("your years of managerial experience")),
        ("roles_held", _("at least one role held")),
        ("career_summary", _("a summary of your career")),
    )
    for field, label in required:
        value = getattr(manager, field)
        if value in (None, "", []):
            missing.append(label)
    if not manager.sector_experiences.all():
        missing.append(_("at least one sector of experience"))
    rated = {rating.area for rating in manager.competences.all()}
    if rated != set(AssessmentArea.values):
        missing.append(_("a level for each of the ten competence areas"))
    if not manager.languages:
        missing.append(_("the languages you speak"))
    if not manager.provinces:
        missing.append(_("the provinces where you can work"))
    if manager.available_from is None:
        missing.append(_("the date from which you are available"))
    if not manager.cv:
        missing.append(_("your CV as a PDF"))
    return missing


def manager_home(user: User, programme: Programme | None) -> dict:
    """What the manager's home shows: their row (or none), what is missing and what comes next."""
    manager = manager_of(user, programme)
    return {
        "manager": manager,
        "missing": missing_for_application(manager)
        if manager and manager.status == ManagerStatus.DRAFT
        else [],
    }


RANKING_STATUSES = (
    ManagerStatus.APPLIED,
    ManagerStatus.SELECTED,
    ManagerStatus.NOT_SELECTED,
    ManagerStatus.SUSPENDED,
    ManagerStatus.LEFT,
)


def ranking(programme: Programme, status: str, reviewer: User) -> QuerySet[Manager]:
    """Managers in one status, best merit first, with how many reviews they have and
    whether this reviewer has reviewed them or declared a conflict."""
    return (
        Manager.objects.filter(programme=programme, status=status)
        .select_related("user")
        .annotate(
            # A per row subquery rather than a join grouped over the whole pool: computed
            # for the rows of the page only, after sorting and the limit.
            reviews_count=programme_queries.per_row(
                MeritReview.objects.all(), "manager", Count("pk"), default=0
            ),
            reviewed_by_me=Exists(MeritReview.objects.filter(manager=OuterRef("pk"), reviewer=reviewer)),
            conflict_of_mine=Exists(ReviewConflict.objects.filter(manager=OuterRef("pk"), reviewer=reviewer)),
        )
        .order_by(F("merit_score").desc(nulls_last=True), "applied_at", "pk")
    )


def status_counts(programme: Programme) -> dict[str, int]:
    rows = Manager.objects.filter(programme=programme).values("status").annotate(total=Count("pk"))
    counts = dict.fromkeys(ManagerStatus.values, 0)
    counts.update({row["status"]: row["total"] for row in rows})
    return counts


def kept_status_counts(programme: Programme) -> dict[str, int]:
    """status_counts(), computed once per change of the programme (programme.figures)."""
    return figures.kept(programme, "manager-statuses", lambda: status_counts(programme))


def weights_outdated(programme: Programme) -> bool:
    """Whether some review was scored with weights other than the programme's current ones."""
    current = {key: float(programme.merit_weights.get(key, 0)) for key in CRITERIA_KEYS}
    return MeritReview.objects.filter(manager__programme=programme).exclude(weights=current).exists()


def manager_detail(manager: Manager) -> Manager:
    """One manager with everything staff read on their page."""
    return (
        Manager.objects.filter(pk=manager.pk)
        .select_related("user", "programme")
        .prefetch_related(
            *_profile_prefetches(),
            Prefetch(
                "reviews", queryset=MeritReview.objects.select_related("reviewer").order_by("created_at")
            ),
            Prefetch("review_conflicts", queryset=ReviewConflict.objects.select_related("reviewer")),
        )
        .get()
    )


@dataclass(frozen=True)
class PoolFilters:
    """The competence database's search: every field optional."""

    text: str = ""
    area: str = ""
    minimum_level: int = 1
    sector: str = ""
    province: str = ""
    available_on: datetime.date | None = None
    minimum_capacity_left: int | None = None
    status: str = ""


def pool(programme: Programme, filters: PoolFilters) -> QuerySet[Manager]:
    """The competence database: managers who have applied (drafts are not shown),
    filtered, best merit first, with their competences and sectors prefetched."""
    today = timezone.localdate()
    managers = (
        Manager.objects.filter(programme=programme)
        .exclude(status=ManagerStatus.DRAFT)
        .select_related("user")
        .annotate(
            capacity_left_now=F("capacity") - F("open_assessments"),
            unavailable_today=Exists(
                UnavailabilityPeriod.objects.filter(
                    manager=OuterRef("pk"), starts_on__lte=today, ends_on__gte=today
                )
            ),
        )
        .prefetch_related(
            Prefetch("competences", queryset=CompetenceRating.objects.order_by("-level", "area")),
            Prefetch("sector_experiences", queryset=SectorExperience.objects.order_by("-years", "section")),
        )
    )
    if filters.text:
        for word in filters.text.split():
            managers = managers.filter(
                Q(user__first_name__icontains=word)
                | Q(user__last_name__icontains=word)
                | Q(user__email__icontains=word)
                | Q(city__icontains=word)
            )
    if filters.area:
        managers = managers.filter(
            Exists(
                CompetenceRating.objects.filter(
                    manager=OuterRef("pk"), area=filters.area, level__gte=filters.minimum_level
                )
            )
        )
    if filters.sector:
        field = "division" if filters.sector.isdigit() else "section"
        managers = managers.filter(
            Exists(SectorExperience.objects.filter(manager=OuterRef("pk"), **{field: filters.sector}))
        )
    if filters.province:
        managers = managers.filter(provinces__contains=[filters.province])
    if filters.available_on:
        managers = managers.filter(available_from__lte=filters.available_on).exclude(
            Exists(
                UnavailabilityPeriod.objects.filter(
                    manager=OuterRef("pk"),
                    starts_on__lte=filters.available_on,
                    ends_on__gte=filters.available_on,
                )
            )
        )
    if filters.minimum_capacity_left is not None:
        managers = managers.filter(capacity_left_now__gte=filters.minimum_capacity_left)
    if filters.status:
        managers = managers.filter(status=filters.status)
    return managers.order_by(
        F("merit_score").desc(nulls_last=True), "user__last_name", "user__first_name", "pk"
    )


ACTION_LABELS = {
    "cv_uploaded": _("CV uploaded"),
    "applied": _("Application sent"),
    "merit_reviewed": _("Merit review recorded"),
    "merit_review_changed": _("Merit review changed"),
    "conflict_declared": _("Conflict of interest declared"),
    "merit_scores_recomputed": _("Merit scores computed again"),
    "selected": _("Selected"),
    "not_selected": _("Not selected"),
    "suspended": _("Suspended"),
    "reinstated": _("Reinstated"),
    "left": _("Left the pool"),
    "unavailability_added": _("Unavailability period added"),
    "unavailability_removed": _("Unavailability period removed"),
}


def timeline(manager: Manager, *, for_manager: bool) -> list[programme_queries.TimelineEntry]:
    """The manager's history in words. The manager reads the moves of their application,
    not the staff's working notes (reviews, conflicts)."""
    entries = programme_queries.timeline(manager)
    if for_manager:
        entries = entries.exclude(to_status="")
    return programme_queries.described(entries, actions=ACTION_LABELS, statuses=ManagerStatus)
