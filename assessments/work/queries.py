"""Read side of the workspace: the assessments a person may open, everything one page
shows in a fixed number of queries, and what a report still misses before submission."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import (
    Case,
    DecimalField,
    F,
    Prefetch,
    QuerySet,
    Sum,
    Value,
    When,
    prefetch_related_objects,
)
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from assessments.models import (
    HOURS_PER_DAY,
    Assessment,
    DurationUnit,
    Finding,
    ProjectOutline,
    Recommendation,
    Visit,
)
from assessments.work.rules import WORKSPACE_STATUSES
from programme.models import User
from programme.reference import AssessmentArea
from programme.rules import is_programme_staff

MINIMUM_RECOMMENDATIONS = 3

DAYS = DecimalField(max_digits=8, decimal_places=3)


def visit_days_expression() -> Case:
    """A visit's support days in SQL, as Visit.days computes them in Python."""
    return Case(
        When(duration_unit=DurationUnit.HALF_DAYS, then=F("duration") / Value(Decimal(2))),
        default=F("duration") / Value(HOURS_PER_DAY),
        output_field=DAYS,
    )


def days_used(assessment: Assessment, *, excluding_visit: int | None = None) -> Decimal:
    """The support days the assessment's visits use, summed by the database."""
    visits = Visit.objects.filter(assessment=assessment)
    if excluding_visit is not None:
        visits = visits.exclude(pk=excluding_visit)
    total = visits.aggregate(
        days=Coalesce(Sum(visit_days_expression()), Value(Decimal(0)), output_field=DAYS)
    )
    return total["days"]


def _base() -> QuerySet[Assessment]:
    return Assessment.objects.filter(status__in=WORKSPACE_STATUSES).select_related(
        "application__company", "manager__user", "programme"
    )


def workspaces_for(user: User) -> QuerySet[Assessment]:
    """The workspaces `user` may open: staff every one, a manager their own, nobody else any."""
    if is_programme_staff(user):
        return _base()
    return _base().filter(manager__user=user)


@dataclass(frozen=True)
class Missing:
    """What the report still needs before it can be submitted, in words."""

    unscored: list[str]
    recommendations_short_by: int
    outline_without_title: bool

    @property
    def messages(self) -> list[str]:
        lines = []
        if self.unscored:
            lines.append(
                _("Score the current and target level of: %(dimensions)s.")
                % {"dimensions": ", ".join(self.unscored)}
            )
        if self.recommendations_short_by:
            lines.append(
                ngettext(
                    "Add %(count)s more recommendation (at least %(minimum)s are needed).",
                    "Add %(count)s more recommendations (at least %(minimum)s are needed).",
                    self.recommendations_short_by,
                )
                % {"count": self.recommendations_short_by, "minimum": MINIMUM_RECOMMENDATIONS}
            )
        if self.outline_without_title:
            lines.append(_("Give the project outline a title, or empty it."))
        return lines

    def __bool__(self) -> bool:
        return bool(self.unscored or self.recommendations_short_by or self.outline_without_title)


def missing_for_submission(
    findings: list[Finding], recommendation_count: int, outline: ProjectOutline | None
) -> Missing:
    scored = {finding.dimension for finding in findings if finding.is_scored}
    return Missing(
        unscored=[str(label) for value, label in AssessmentArea.choices if value not in scored],
        recommendations_short_by=max(0, MINIMUM_RECOMMENDATIONS - recommendation_count),
        outline_without_title=outline is not None and not outline.title.strip(),
    )


@dataclass(frozen=True)
class Workspace:
    """Everything the workspace page shows, loaded in a fixed number of queries."""

    assessment: Assessment
    visits: list[Visit]
    findings: list[Finding]  # one per dimension, in the model's order; unsaved where not written yet
    recommendations: list[Recommendation]
    outline: ProjectOutline | None
    days_used: Decimal
    allowance: int
    missing: Missing

    @property
    def days_left(self) -> Decimal:
        return Decimal(self.allowance) - self.days_used

    @property
    def over_allowance(self) -> bool:
        return self.days_used > self.allowance


def workspace(assessment: Assessment) -> Workspace:
    """The page's data for an assessment fetched through workspaces_for()."""
    prefetch_related_objects(
        [assessment],
        Prefetch("visits", queryset=Visit.objects.select_related("answered_by").order_by("held_on", "id")),
        Prefetch("findings", queryset=Finding.objects.all()),
        Prefetch("recommendations", queryset=Recommendation.objects.order_by("position", "id")),
    )
    loaded = assessment
    outline = ProjectOutline.objects.filter(assessment=assessment).first()
    saved = {finding.dimension: finding for finding in loaded.findings.all()}
    findings = [
        saved.get(value) or Finding(assessment=assessment, dimension=value) for value in AssessmentArea.values
    ]
    visits = list(loaded.visits.all())
    recommendations = list(loaded.recommendations.all())
    return Workspace(
        assessment=assessment,
        visits=visits,
        findings=findings,
        recommendations=recommendations,
        outline=outline,
        days_used=sum((visit.days for visit in visits), Decimal(0)),
        allowance=assessment.programme.support_days,
        missing=missing_for_submission(findings, len(recommendations), outline),
    )


def sme_assessment_for_visits(user: User) -> Assessment | None:
    """The assessment whose visits the SME member answers: their company's open or completed one."""
    return (
        Assessment.objects.filter(application__company__memberships__user=user, status__in=WORKSPACE_STATUSES)
        .select_related("application__company", "manager__user", "programme")
        .order_by("-assigned_at", "-id")
        .first()
    )


def sme_visits(assessment: Assessment) -> list[Visit]:
    return list(assessment.visits.select_related("answered_by").order_by("held_on", "id"))


def visits_answerable_by(user: User) -> QuerySet[Visit]:
    """Visits an SME member may see: those of their own company's assessments."""
    return Visit.objects.filter(assessment__application__company__memberships__user=user).select_related(
        "assessment__application__company", "assessment__manager__user", "assessment__programme"
    )


def visits_writable_by(user: User) -> QuerySet[Visit]:
    """Visits a manager may open to change: those of their own assessments."""
    return Visit.objects.filter(assessment__manager__user=user).select_related(
        "assessment__application__company", "assessment__manager__user", "assessment__programme"
    )


def recommendations_writable_by(user: User) -> QuerySet[Recommendation]:
    return Recommendation.objects.filter(assessment__manager__user=user).select_related(
        "assessment__manager__user", "assessment__programme"
    )
