"""Read side of staff's work on assessments: the list with its filters and export, one
assessment as staff read it, the managers it may be handed to, the average levels
per dimension for the dashboard."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import (
    BooleanField,
    Case,
    Count,
    DecimalField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from assessments.models import (
    REFUSED_STATUSES,
    Assessment,
    AssessmentStatus,
    DimensionTotal,
    DurationUnit,
    Finding,
    Rating,
    Recommendation,
    Visit,
    VisitConfirmation,
)
from assessments.review.words import ACTION_LABELS
from managers.models import Manager, ManagerStatus
from programme import figures
from programme import queries as programme_queries
from programme.models import Programme
from programme.reference import EU_DIMENSIONS, AssessmentArea, Province

# An assessment is overdue while the work is open past its deadline (a report waiting
# for staff counts too: the programme's deadline is for completion).
OVERDUE_STATUSES = (AssessmentStatus.ACCEPTED, AssessmentStatus.IN_PROGRESS, AssessmentStatus.SUBMITTED)
PRIORITY_ORDER = {Rating.HIGH: 0, Rating.MEDIUM: 1, Rating.LOW: 2}
DAYS = DecimalField(max_digits=8, decimal_places=2)


def days_of_visits(prefix: str = "") -> Sum:
    """Support days used, summed in the database: hours over an 8-hour day, or half days
    (the same rule as Visit.days)."""
    return Sum(
        Case(
            When(
                **{f"{prefix}duration_unit": DurationUnit.HALF_DAYS},
                then=ExpressionWrapper(F(f"{prefix}duration") / Value(Decimal("2")), output_field=DAYS),
            ),
            default=ExpressionWrapper(F(f"{prefix}duration") / Value(Decimal("8")), output_field=DAYS),
            output_field=DAYS,
        ),
        output_field=DAYS,
    )


def overdue_condition(today: datetime.date) -> Q:
    return Q(status__in=OVERDUE_STATUSES, due_on__lt=today)


def staff_assessments(programme: Programme, today: datetime.date | None = None) -> QuerySet[Assessment]:
    """Every assessment of the programme, with its company and manager, the days used,
    the visits the SME disputed, whether it is overdue and whether its manager left."""
    today = today or timezone.localdate()
    return (
        Assessment.objects.filter(programme=programme)
        .select_related("application__company", "manager__user")
        .annotate(
            # Per row subqueries rather than a join grouped over every assessment: PostgreSQL
            # computes them for the rows of the page only, after sorting and the limit.
            days_used=programme_queries.per_row(
                Visit.objects.all(), "assessment", days_of_visits(), default=Decimal("0")
            ),
            visit_count=programme_queries.per_row(Visit.objects.all(), "assessment", Count("pk"), default=0),
            disputed_visits=programme_queries.per_row(
                Visit.objects.filter(confirmation=VisitConfirmation.DISPUTED),
                "assessment",
                Count("pk"),
                default=0,
            ),
            overdue=Case(When(overdue_condition(today), then=Value(True)), default=Value(False)),
            manager_left=Case(
                When(is_open_status(), manager__status=ManagerStatus.LEFT, then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            ),
        )
    )


def is_open_status() -> Q:
    return Q(status__in=[*OVERDUE_STATUSES, AssessmentStatus.ASSIGNED])


@dataclass(frozen=True)
class Filters:
    """The list's filters, as the filter form cleaned them."""

    status: str = ""
    manager: str = ""
    province: str = ""
    sector: str = ""
    overdue: bool = False
    manager_left: bool = False
    q: str = ""


def filter_assessments(queryset: QuerySet[Assessment], filters: Filters) -> QuerySet[Assessment]:
    """Apply the filters; the most urgent first (overdue, then by deadline)."""
    if filters.status:
        queryset = queryset.filter(status=filters.status)
    queryset = queryset.filter(
        programme_queries.person_matches(
            filters.manager, person="manager__user", words=programme_queries.MANAGER_SEARCH_WORDS
        )
    )
    if filters.province:
        queryset = queryset.filter(application__company__province=filters.province)
    if filters.sector:
        queryset = queryset.filter(application__company__ateco_section=filters.sector)
    if filters.overdue:
        queryset = queryset.filter(overdue=True)
    if filters.manager_left:
        queryset = queryset.filter(manager_left=True)
    search = filters.q.strip()
    if search:
        queryset = queryset.filter(
            Q(application__company__legal_name__icontains=search)
            | Q(application__company__vat_number__startswith=search.upper().removeprefix("IT"))
        )
    return queryset.order_by(
        "-overdue",
        "-manager_left",
        F("due_on").asc(nulls_last=True),
        "application__company__legal_name",
        "pk",
    )


def status_counts(programme: Programme, today: datetime.date | None = None) -> dict[str, int]:
    """How many assessments stand in each status, how many are overdue and how many
    open ones have a manager who left the pool: one query."""
    today = today or timezone.localdate()
    counts = Assessment.objects.filter(programme=programme).aggregate(
        **{status: Count("pk", filter=Q(status=status)) for status in AssessmentStatus.values},
        overdue=Count("pk", filter=overdue_condition(today)),
        manager_left=Count("pk", filter=Q(manager__status=ManagerStatus.LEFT) & is_open_status()),
    )
    return counts


def kept_status_counts(programme: Programme, today: datetime.date) -> dict[str, int]:
    """status_counts(), computed once per change of the programme (programme.figures)."""
    return figures.kept(
        programme, "assessment-statuses", lambda: status_counts(programme, today), today=today
    )


def counted(filters: Filters, counts: dict[str, int]) -> int | None:
    """How many assessments the filtered list holds, when its counts by status already say
    it (no filter, or one status, or only the overdue, or only those whose manager left);
    None when the list must be counted."""
    if filters == Filters():
        return sum(counts[status] for status in AssessmentStatus.values)
    if filters == Filters(status=filters.status):
        return counts[filters.status]
    if filters == Filters(overdue=True):
        return counts["overdue"]
    if filters == Filters(manager_left=True):
        return counts["manager_left"]
    return None


def staff_assessment(programme: Programme) -> QuerySet[Assessment]:
    """Staff's page of one assessment reads any of the programme's."""
    return Assessment.objects.filter(programme=programme).select_related(
        "application__company", "manager__user", "programme"
    )


@dataclass(frozen=True)
class DimensionFinding:
    """One row of the findings: every dimension appears, scored or not."""

    dimension: str
    label: str
    is_eu: bool
    finding: Finding | None

    @property
    def is_scored(self) -> bool:
        return self.finding is not None and self.finding.is_scored


@dataclass(frozen=True)
class AssessmentDetail:
    visits: list[Visit]
    days_used: Decimal
    allowance: int
    findings: list[DimensionFinding]
    recommendations: list[Recommendation]
    project_outline: Any
    feedback: Any
    disputed_visits: int
    pending_visits: int

    @property
    def days_left(self) -> Decimal:
        return Decimal(self.allowance) - self.days_used

    @property
    def over_allowance(self) -> bool:
        return self.days_used > self.allowance

    @property
    def scored_count(self) -> int:
        return sum(1 for row in self.findings if row.is_scored)


def assessment_detail(assessment: Assessment) -> AssessmentDetail:
    """What staff read of one assessment: the visits with the SME's answers, the findings
    on every dimension, the recommendations by priority, the outline, the feedback.
    A fixed number of queries, whatever the number of visits or recommendations."""
    loaded = (
        Assessment.objects.filter(pk=assessment.pk)
        .prefetch_related(
            Prefetch(
                "visits",
                queryset=Visit.objects.select_related("answered_by", "recorded_by").order_by("held_on", "pk"),
            ),
            Prefetch("findings", queryset=Finding.objects.all()),
            Prefetch("recommendations", queryset=Recommendation.objects.order_by("position", "pk")),
        )
        .select_related("project_outline", "feedback__given_by", "programme")
        .get()
    )
    visits = list(loaded.visits.all())
    by_dimension = {finding.dimension: finding for finding in loaded.findings.all()}
    findings = [
        DimensionFinding(
            dimension=value, label=str(label), is_eu=value in EU_DIMENSIONS, finding=by_dimension.get(value)
        )
        for value, label in AssessmentArea.choices
    ]
    recommendations = sorted(
        loaded.recommendations.all(),
        key=lambda item: (PRIORITY_ORDER.get(item.priority, 9), item.position, item.pk),
    )
    return AssessmentDetail(
        visits=visits,
        days_used=sum((visit.days for visit in visits), Decimal("0")),
        allowance=loaded.programme.support_days,
        findings=findings,
        recommendations=recommendations,
        project_outline=getattr(loaded, "project_outline", None),
        feedback=getattr(loaded, "feedback", None),
        disputed_visits=sum(1 for visit in visits if visit.confirmation == VisitConfirmation.DISPUTED),
        pending_visits=sum(1 for visit in visits if visit.confirmation == VisitConfirmation.PENDING),
    )


def handover_candidates(assessment: Assessment) -> QuerySet[Manager]:
    """Managers of the pool who could take the assessment over: selected, with a place
    left, not its current manager, without a conflict with the company and who never
    declined it or let it lapse."""
    company = assessment.application.company
    refused = Assessment.objects.filter(
        application_id=assessment.application_id, manager=OuterRef("pk"), status__in=REFUSED_STATUSES
    )
    return (
        Manager.objects.in_pool()
        .filter(programme_id=assessment.programme_id, open_assessments__lt=F("capacity"))
        .exclude(pk=assessment.manager_id)
        .exclude(declared_vat_numbers__contains=[company.vat_number])
        .exclude(Exists(refused))
        .select_related("user")
        .order_by("user__last_name", "user__first_name", "pk")
    )


def timeline(assessment: Assessment) -> list[programme_queries.TimelineEntry]:
    """The assessment's history in words; a handover says who held it before and after,
    so the trail shows who held it when."""
    entries = list(programme_queries.timeline(assessment))
    described = programme_queries.described(entries, actions=ACTION_LABELS, statuses=AssessmentStatus)
    result = []
    for entry, words in zip(entries, described, strict=True):
        if entry.action == "reassigned" and entry.data.get("from_name"):
            words = programme_queries.TimelineEntry(
                created_at=words.created_at,
                actor=words.actor,
                action=str(
                    _("Handed from %(from)s to %(to)s")
                    % {"from": entry.data["from_name"], "to": entry.data.get("to_name", "")}
                ),
                from_status=words.from_status,
                to_status=words.to_status,
                reason=words.reason,
            )
        result.append(words)
    return result


@dataclass(frozen=True)
class DimensionAverage:
    dimension: str
    label: str
    is_eu: bool
    current: Decimal | None
    target: Decimal | None
    assessments: int
    findings: int = 0

    @property
    def current_score(self) -> int | None:
        """On the EU tool's 0-100 scale."""
        return None if self.current is None else round(self.current * 20)

    @property
    def target_score(self) -> int | None:
        return None if self.target is None else round(self.target * 20)


def average_levels(programme: Programme) -> list[DimensionAverage]:
    """For the dashboard and the list: per dimension, the average current and target level
    over the programme's completed assessments, from the totals kept as assessments are
    completed (one query over ten rows, whatever the number of findings). Every dimension
    appears, in the model's order; one no completed assessment scored has no averages."""
    rows = {row.dimension: row for row in DimensionTotal.objects.filter(programme=programme)}
    result = []
    for value, label in AssessmentArea.choices:
        row = rows.get(value)
        result.append(
            DimensionAverage(
                dimension=value,
                label=str(label),
                is_eu=value in EU_DIMENSIONS,
                current=None if row is None else _average(row.current_sum, row.current_count),
                target=None if row is None else _average(row.target_sum, row.target_count),
                # One finding per assessment and dimension: the findings with a current
                # level are the assessments that scored the dimension.
                assessments=0 if row is None else row.current_count,
                findings=0 if row is None else row.findings,
            )
        )
    return result


def _average(total: int, count: int) -> Decimal | None:
    return _rounded(Decimal(total) / Decimal(count)) if count else None


def _rounded(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value)).quantize(Decimal("0.01"))


EXPORT_HEADER = (
    _("Company"),
    _("VAT number"),
    _("Province"),
    _("ATECO code"),
    _("Manager"),
    _("Manager left the pool"),
    _("Status"),
    _("Accepted on"),
    _("To be completed by"),
    _("Overdue"),
    _("Visits"),
    _("Days used"),
    _("Support days"),
    _("Disputed visits"),
    _("Report submitted on"),
    _("Completed on"),
    _("Cancelled on"),
    _("Reason for cancelling"),
)


def _date(value: datetime.datetime | datetime.date | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).date().isoformat()
    return value.isoformat()


def export_rows(queryset: QuerySet[Assessment], programme: Programme) -> Iterator[list[str]]:
    """The filtered list as rows of text, header first, streamed in chunks."""
    yield [str(label) for label in EXPORT_HEADER]
    provinces = dict(Province.choices)
    yes, no = str(_("yes")), str(_("no"))
    for assessment in queryset.iterator(chunk_size=500):
        company = assessment.application.company
        yield [
            company.legal_name,
            company.vat_number,
            str(provinces.get(company.province, company.province)),
            company.ateco_code,
            str(assessment.manager),
            yes if assessment.manager.status == ManagerStatus.LEFT else no,
            str(assessment.get_status_display()),
            _date(assessment.accepted_at),
            _date(assessment.due_on),
            yes if assessment.overdue else no,
            str(assessment.visit_count),
            f"{assessment.days_used:.2f}",
            str(programme.support_days),
            str(assessment.disputed_visits),
            _date(assessment.submitted_at),
            _date(assessment.completed_at),
            _date(assessment.cancelled_at),
            assessment.cancel_reason,
        ]
