"""Read side of proposing a project and of its eligibility: the projects a person may
see, one project with its plan, staff's list with its filters and export, the
checklist in words, the timeline."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import (
    Case,
    Count,
    DecimalField,
    F,
    Prefetch,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from assessments.models import Assessment, AssessmentStatus, Recommendation
from programme import figures
from programme import queries as programme_queries
from programme.models import Programme, User
from projects import checklist
from projects.models import Milestone, Project, ProjectStatus
from projects.proposal.words import ACTION_LABELS

try:  # the financing part writes the later entries of the same timeline
    from projects.financing.words import ACTION_LABELS as FINANCING_LABELS
except ImportError:  # pragma: no cover - while the financing part is not there
    FINANCING_LABELS = {}

TIMELINE_LABELS = {**ACTION_LABELS, **FINANCING_LABELS}
MONEY = DecimalField(max_digits=14, decimal_places=2)


def _related(queryset: QuerySet[Project]) -> QuerySet[Project]:
    return queryset.select_related(
        "programme",
        "assessment__application__company",
        "assessment__manager__user",
        "facilitator__user",
        "declared_by",
    )


def visible_projects(user: User) -> QuerySet[Project]:
    """The projects the company's members and its managers see: their company's, and those
    of the assessments the manager held or the projects they facilitate."""
    if not user.is_authenticated:
        return Project.objects.none()
    return _related(
        Project.objects.filter(
            Q(assessment__application__company__memberships__user=user)
            | Q(assessment__manager__user=user)
            | Q(facilitator__user=user)
        ).distinct()
    )


def proposable_assessment(user: User) -> QuerySet[Assessment]:
    """The completed assessments of the member's company, from which a project may come."""
    membership = getattr(user, "company_membership", None)
    if membership is None:
        return Assessment.objects.none()
    return Assessment.objects.filter(
        application__company_id=membership.company_id, status=AssessmentStatus.COMPLETED
    ).select_related("application__company", "manager__user", "programme", "project_outline")


@dataclass(frozen=True)
class CheckLine:
    """One line of the checklist in the reader's language."""

    check: str
    label: str
    passed: bool
    reason: str


def checklist_lines(
    results: Sequence[checklist.CheckResult] | Sequence[Mapping[str, Any]],
) -> list[CheckLine]:
    """The checks in words, from results just computed or stored on the project."""
    lines = []
    for result in results:
        data = result.as_data() if isinstance(result, checklist.CheckResult) else result
        lines.append(
            CheckLine(
                check=data["check"],
                label=str(checklist.CHECK_LABELS.get(data["check"], data["check"])),
                passed=bool(data["passed"]),
                reason=checklist.describe(data["reason"], data.get("params", {})),
            )
        )
    return lines


@dataclass(frozen=True)
class Criterion:
    key: str
    label: str
    weight: Decimal
    score: int | None


def criteria_of(project: Project) -> list[Criterion]:
    """The programme's criteria in the reader's language, with the project's scores."""
    english = (get_language() or "it").startswith("en")
    return [
        Criterion(
            key=item["key"],
            label=item.get("label_en" if english else "label_it") or item["key"],
            weight=Decimal(str(item.get("weight", 0))),
            score=project.criteria_scores.get(item["key"]),
        )
        for item in project.programme.project_criteria
    ]


@dataclass(frozen=True)
class ProjectDetail:
    project: Project
    milestones: list[Milestone]
    recommendations: list[Recommendation]
    available_recommendations: list[Recommendation]

    @property
    def tranches_total(self) -> Decimal:
        return sum((item.tranche for item in self.milestones), Decimal("0"))


def project_detail(project: Project) -> ProjectDetail:
    """One project with its plan and the recommendations it takes up, and those of its
    assessment it could: a fixed number of queries."""
    loaded = (
        Project.objects.filter(pk=project.pk)
        .prefetch_related(
            Prefetch("milestones", queryset=Milestone.objects.order_by("position", "due_on", "pk")),
            Prefetch("recommendations", queryset=Recommendation.objects.order_by("position", "pk")),
            Prefetch(
                "assessment__recommendations", queryset=Recommendation.objects.order_by("position", "pk")
            ),
        )
        .get()
    )
    return ProjectDetail(
        project=project,
        milestones=list(loaded.milestones.all()),
        recommendations=list(loaded.recommendations.all()),
        available_recommendations=list(loaded.assessment.recommendations.all()),
    )


def staff_project(programme: Programme) -> QuerySet[Project]:
    """Staff's page of one project reads any of the programme's."""
    return _related(Project.objects.filter(programme=programme))


def staff_projects(programme: Programme) -> QuerySet[Project]:
    """Every project of the programme, drafts included, with its company, manager and the
    work plan's size."""
    # Per row subqueries rather than a join grouped over every project: PostgreSQL
    # computes them for the rows of the page only, after sorting and the limit.
    return _related(Project.objects.filter(programme=programme)).annotate(
        milestone_count=programme_queries.per_row(Milestone.objects.all(), "project", Count("pk"), default=0),
        tranches_total=programme_queries.per_row(
            Milestone.objects.all(), "project", Sum("tranche", output_field=MONEY), default=Decimal("0")
        ),
    )


@dataclass(frozen=True)
class Filters:
    status: str = ""
    manager: str = ""
    province: str = ""
    q: str = ""


def filter_projects(queryset: QuerySet[Project], filters: Filters) -> QuerySet[Project]:
    """Apply the filters; those waiting for staff first, then by score, then by submission."""
    if filters.status:
        queryset = queryset.filter(status=filters.status)
    queryset = queryset.filter(
        programme_queries.person_matches(
            filters.manager, person="facilitator__user", words=programme_queries.MANAGER_SEARCH_WORDS
        )
    )
    if filters.province:
        queryset = queryset.filter(assessment__application__company__province=filters.province)
    search = filters.q.strip()
    if search:
        queryset = queryset.filter(
            Q(title__icontains=search)
            | Q(assessment__application__company__legal_name__icontains=search)
            | Q(assessment__application__company__vat_number__startswith=search.upper().removeprefix("IT"))
        )
    return queryset.annotate(
        waiting=Case(When(status=ProjectStatus.SUBMITTED, then=Value(0)), default=Value(1))
    ).order_by("waiting", F("score").desc(nulls_last=True), "submitted_at", "pk")


def status_counts(programme: Programme) -> dict[str, int]:
    """How many projects stand in each status: one query."""
    return Project.objects.filter(programme=programme).aggregate(
        **{status: Count("pk", filter=Q(status=status)) for status in ProjectStatus.values}
    )


def kept_status_counts(programme: Programme) -> dict[str, int]:
    """status_counts(), computed once per change of the programme (programme.figures)."""
    return figures.kept(programme, "project-statuses", lambda: status_counts(programme))


def counted(filters: Filters, counts: dict[str, int]) -> int | None:
    """How many projects the filtered list holds, when its counts by status already say it
    (no filter, or one status); None when the list must be counted."""
    if filters == Filters():
        return sum(counts.values())
    if filters == Filters(status=filters.status):
        return counts[filters.status]
    return None


def export_rows(projects: QuerySet[Project]) -> Iterator[list[Any]]:
    """The list as CSV rows: a header, then one row per project, read in chunks."""
    yield [
        str(_("Company")),
        str(_("VAT number")),
        str(_("Province")),
        str(_("Project")),
        str(_("Status")),
        str(_("Manager who facilitates it")),
        str(_("Total cost (EUR)")),
        str(_("Financing requested (EUR)")),
        str(_("Own share (EUR)")),
        str(_("Aid received, de minimis (EUR)")),
        str(_("Milestones")),
        str(_("Score")),
        str(_("Submitted on")),
        str(_("Reason of the eligibility decision")),
    ]
    for project in projects.iterator(chunk_size=500):
        company = project.assessment.application.company
        yield [
            company.legal_name,
            company.vat_number,
            company.province,
            project.title,
            project.get_status_display(),
            str(project.facilitator),
            project.total_cost if project.total_cost is not None else "",
            project.financing_requested if project.financing_requested is not None else "",
            project.own_share if project.own_share is not None else "",
            project.de_minimis_received if project.de_minimis_received is not None else "",
            project.milestone_count,
            project.score if project.score is not None else "",
            project.submitted_at.date().isoformat() if project.submitted_at else "",
            project.eligibility_reason,
        ]


def timeline(project: Project) -> list[programme_queries.TimelineEntry]:
    return programme_queries.described(
        programme_queries.timeline(project), actions=TIMELINE_LABELS, statuses=ProjectStatus
    )
