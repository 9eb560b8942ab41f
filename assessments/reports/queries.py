"""Read side of the report: which reports a person may open, and one report shaped for its
page and its PDF in a fixed number of queries (the assessment with its company, manager,
programme, outline and feedback; then its visits, findings and recommendations)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Case, IntegerField, Prefetch, Q, QuerySet, Value, When
from django.utils.translation import gettext as _

from assessments.models import Assessment, Finding, Rating, Recommendation, Visit
from assessments.reports import chart
from assessments.reports.rules import REPORT_STATUSES, SME_REPORT_STATUSES
from programme.models import User
from programme.reference import EU_DIMENSIONS, AssessmentArea
from programme.roles import Role, role_names

PRIORITY_ORDER = (Rating.HIGH, Rating.MEDIUM, Rating.LOW)


def visible_reports(user: User) -> QuerySet[Assessment]:
    """The reports `user` may open: staff any submitted or completed one, a manager those
    they hold once submitted, an SME member its company's once completed. Anything else is
    not there for them (404), whatever its id."""
    roles = role_names(user)
    allowed = Q(pk__in=[])
    if Role.STAFF in roles:
        allowed |= Q(status__in=REPORT_STATUSES)
    if Role.MANAGER in roles:
        allowed |= Q(manager__user=user, status__in=REPORT_STATUSES)
    if Role.SME_MEMBER in roles:
        allowed |= Q(application__company__memberships__user=user, status__in=SME_REPORT_STATUSES)
    return Assessment.objects.filter(allowed).distinct()


def _recommendations_by_priority() -> QuerySet[Recommendation]:
    rank = Case(
        *[When(priority=priority, then=Value(index)) for index, priority in enumerate(PRIORITY_ORDER)],
        default=Value(len(PRIORITY_ORDER)),
        output_field=IntegerField(),
    )
    return Recommendation.objects.annotate(priority_rank=rank).order_by("priority_rank", "position", "id")


def report_queryset(user: User) -> QuerySet[Assessment]:
    """The reports `user` may open, each with everything its page shows."""
    return (
        visible_reports(user)
        .select_related(
            "application__company",
            "manager__user",
            "programme",
            "project_outline",
            "feedback__given_by",
        )
        .prefetch_related(
            Prefetch("visits", queryset=Visit.objects.order_by("held_on", "id")),
            Prefetch("findings", queryset=Finding.objects.all()),
            Prefetch("recommendations", queryset=_recommendations_by_priority()),
        )
    )


@dataclass(frozen=True)
class FindingRow:
    """A dimension of the model in the report: its finding, or None when not written."""

    dimension: str
    label: str
    is_eu: bool
    finding: Finding | None

    @property
    def current(self) -> int | None:
        return self.finding.current_level if self.finding else None

    @property
    def target(self) -> int | None:
        return self.finding.target_level if self.finding else None

    @property
    def current_score(self) -> int | None:
        return chart.level_score(self.current)

    @property
    def target_score(self) -> int | None:
        return chart.level_score(self.target)

    @property
    def gap(self) -> int | None:
        if self.current is None or self.target is None:
            return None
        return self.target - self.current


@dataclass(frozen=True)
class Report:
    """One report, ready for its page and its PDF."""

    assessment: Assessment
    visits: list[Visit]
    findings: list[FindingRow]
    recommendations: list[Recommendation]
    days_used: Decimal
    allowance: int
    overall_score: Decimal | None
    overall_target: Decimal | None
    chart_svg: str

    @property
    def company(self):
        return self.assessment.application.company

    @property
    def eu_findings(self) -> list[FindingRow]:
        return [row for row in self.findings if row.is_eu]

    @property
    def programme_findings(self) -> list[FindingRow]:
        return [row for row in self.findings if not row.is_eu]

    @property
    def project_outline(self):
        return getattr(self.assessment, "project_outline", None)

    @property
    def project_dimension_labels(self) -> list[str]:
        outline = self.project_outline
        labels = dict(AssessmentArea.choices)
        return [str(labels.get(code, code)) for code in outline.dimensions] if outline else []

    @property
    def feedback(self):
        return getattr(self.assessment, "feedback", None)


def chart_words() -> chart.ChartWords:
    """The chart's words in the active language."""
    return chart.ChartWords(
        title=_("Current and target level per dimension"),
        description=_(
            "For each of the ten dimensions of the model, the current level and the target "
            "level on the scale from 0 (not started) to 5 (leading). The same figures are in "
            "the table of findings."
        ),
        current=_("Current level"),
        target=_("Target level"),
        not_scored=_("not scored"),
    )


def report(assessment: Assessment, *, chart_id: str = "levels-chart") -> Report:
    """Shape an assessment fetched with report_queryset() into its report: the findings
    in the model's order, the recommendations by priority, the days used and the scores.
    Reads only what was prefetched: no query of its own."""
    by_dimension = {finding.dimension: finding for finding in assessment.findings.all()}
    rows = [
        FindingRow(
            dimension=code,
            label=str(label),
            is_eu=code in EU_DIMENSIONS,
            finding=by_dimension.get(code),
        )
        for code, label in AssessmentArea.choices
    ]
    visits = list(assessment.visits.all())
    eu_rows = [row for row in rows if row.is_eu]
    return Report(
        assessment=assessment,
        visits=visits,
        findings=rows,
        recommendations=list(assessment.recommendations.all()),
        days_used=sum((visit.days for visit in visits), Decimal("0")),
        allowance=assessment.programme.support_days,
        overall_score=chart.overall_score(row.current for row in eu_rows),
        overall_target=chart.overall_score(row.target for row in eu_rows),
        chart_svg=chart.levels_chart(
            [chart.ChartRow(row.label, row.current, row.target) for row in rows],
            chart_words(),
            chart_id=chart_id,
        ),
    )
