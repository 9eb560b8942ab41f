"""What the home pages, `manage.py stats` and the dashboard read, from every app's queries."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from functools import partial

from django.db.models import (
    Aggregate,
    Count,
    F,
    FloatField,
    Func,
    Min,
    Q,
    QuerySet,
    Sum,
)
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from assessments import queries as assessment_queries
from assessments.models import Assessment, AssessmentStatus
from assessments.review import queries as review_queries
from managers import queries as manager_queries
from managers.models import Manager, ManagerStatus
from programme import figures, reference
from programme import queries as programme_queries
from programme.models import Programme, User
from programme.reference import Province
from projects import queries as project_queries
from projects.models import ProjectStatus
from smes import queries as sme_queries
from smes.models import Application, ApplicationStatus, Company, CompanyMembership, SizeClass

HEADLINE_KEYS = (
    "smes_enrolled",
    "managers_selected",
    "assessments_planned",
    "assessments_assigned",
    "assessments_completed",
    "projects_eligible",
    "projects_approved",
    "projects_started",
)


def headline_figures(programme: Programme | None) -> dict[str, int]:
    """The programme's public figures. Each app adds its own as it lands; until then a figure is zero."""
    figures = dict.fromkeys(HEADLINE_KEYS, 0)
    if programme is None:
        return figures
    figures["assessments_planned"] = programme.assessment_quota
    figures.update(sme_queries.headline_figures(programme))
    figures.update(manager_queries.headline_figures(programme))
    figures.update(assessment_queries.headline_figures(programme))
    figures.update(project_queries.headline_figures(programme))
    return figures


# The staff dashboard. Every figure is an aggregate computed by PostgreSQL, so the page
# makes the same number of queries for ten SMEs as for ten thousand.

BUSIEST_FEW = 5
WORKLOAD_STATUSES = (ManagerStatus.SELECTED, ManagerStatus.SUSPENDED)
WORKLOAD_SORTS: dict[str, tuple] = {
    "busiest": (
        F("open_load").desc(),
        F("completed_load").desc(),
        "user__last_name",
        "user__first_name",
        "pk",
    ),
    "idlest": (F("open_load").asc(), F("completed_load").asc(), "user__last_name", "user__first_name", "pk"),
}
DEFAULT_WORKLOAD_SORT = "busiest"


class Median(Aggregate):
    """The median of a numeric expression, by PostgreSQL's percentile_cont (NULLs are left out)."""

    function = "PERCENTILE_CONT"
    name = "Median"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()


class DaysBetween(Func):
    """Days (with fractions) from the second timestamp to the first."""

    arg_joiner = " - "
    template = "(EXTRACT(EPOCH FROM (%(expressions)s)) / 86400.0)::double precision"
    output_field = FloatField()


@dataclass(frozen=True)
class Step:
    """One step of the funnel, with its share of the first step (in per cent)."""

    key: str
    label: str
    count: int
    share: float | None


@dataclass(frozen=True)
class BreakdownRow:
    key: str
    label: str
    applied: int
    enrolled: int
    completed: int


@dataclass(frozen=True)
class LevelRow:
    dimension: str
    label: str
    is_eu: bool
    current: float | None
    target: float | None
    findings: int


def _share(count: int, whole: int) -> float | None:
    return round(100 * count / whole, 1) if whole else None


def funnel(programme: Programme) -> list[Step]:
    """From application to started project: how many SMEs reached each step (ever, so an
    SME that later withdrew still counts for the steps it passed). One query."""
    return _funnel_steps(_funnel_and_application_counts(programme))


def _funnel_and_application_counts(programme: Programme) -> dict[str, int]:
    """The funnel's counts and the applications' counts now (enrolled, waitlisted, to
    check, eligible and waiting), in one query: the dashboard shows both.

    The steps after enrolment are read as "the application is among those with such an
    assessment (or project)": PostgreSQL hashes each such set once, so every application
    is counted once without joining it to its assessments and counting distinct keys."""
    is_eligible = (
        (Q(decided_at__isnull=False) & ~Q(status=ApplicationStatus.INELIGIBLE))
        | Q(enrolled_at__isnull=False)
        | Q(status__in=[ApplicationStatus.ELIGIBLE, ApplicationStatus.ENROLLED, ApplicationStatus.WAITLISTED])
    )
    assessments = Assessment.objects.filter(programme=programme)

    def with_assessment(**conditions) -> Q:
        return Q(pk__in=assessments.filter(**conditions).values("application_id"))

    return Application.objects.filter(programme=programme).aggregate(
        submitted=Count("pk", filter=Q(submitted_at__isnull=False)),
        eligible=Count("pk", filter=is_eligible),
        enrolled=Count("pk", filter=Q(enrolled_at__isnull=False) | Q(status=ApplicationStatus.ENROLLED)),
        matched=Count("pk", filter=with_assessment()),
        accepted=Count("pk", filter=with_assessment(accepted_at__isnull=False)),
        completed=Count("pk", filter=with_assessment(status=AssessmentStatus.COMPLETED)),
        project_eligible=Count(
            "pk", filter=with_assessment(project__status__in=project_queries.EVER_ELIGIBLE)
        ),
        project_started=Count(
            "pk", filter=with_assessment(project__status__in=[ProjectStatus.STARTED, ProjectStatus.CLOSED])
        ),
        now_enrolled=Count("pk", filter=Q(status=ApplicationStatus.ENROLLED)),
        now_waitlisted=Count("pk", filter=Q(status=ApplicationStatus.WAITLISTED)),
        now_to_check=Count("pk", filter=Q(status=ApplicationStatus.SUBMITTED)),
        now_eligible_waiting=Count("pk", filter=Q(status=ApplicationStatus.ELIGIBLE)),
    )


def _funnel_steps(counts: dict[str, int]) -> list[Step]:
    labels = {
        "submitted": _("Applications submitted"),
        "eligible": _("Found eligible"),
        "enrolled": _("Enrolled in the programme"),
        "matched": _("Matched with a manager"),
        "accepted": _("Accepted by the manager"),
        "completed": _("Assessment completed"),
        "project_eligible": _("Project eligible for financing"),
        "project_started": _("Project started"),
    }
    first = counts["submitted"]
    return [Step(key, str(label), counts[key], _share(counts[key], first)) for key, label in labels.items()]


APPLICATION_COUNT_KEYS = ("enrolled", "waitlisted", "to_check", "eligible_waiting")


def quota(
    programme: Programme,
    figures: dict[str, int],
    today: datetime.date | None = None,
    statuses: dict[str, int] | None = None,
) -> dict:
    """The quota at a glance: assessments in each status (one query, the same one as the
    assessments list uses, unless given) and the progress towards the quota."""
    if statuses is None:
        statuses = review_queries.status_counts(programme, today)
    planned = programme.assessment_quota
    return {
        "planned": planned,
        "statuses": statuses,
        "assigned": figures["assessments_assigned"],
        "completed": figures["assessments_completed"],
        "assigned_share": _share(figures["assessments_assigned"], planned),
        "completed_share": _share(figures["assessments_completed"], planned),
        "enrolled_share": _share(programme.enrolled_count, planned),
    }


def _breakdown(programme: Programme, field: str, labels: dict[str, str]) -> list[BreakdownRow]:
    completed = Assessment.objects.filter(programme=programme, status=AssessmentStatus.COMPLETED)
    rows = (
        Application.objects.filter(programme=programme, submitted_at__isnull=False)
        .values(key=F(field))
        .annotate(
            applied=Count("pk"),
            enrolled=Count("pk", filter=Q(status=ApplicationStatus.ENROLLED)),
            # The set of completed applications, hashed once, rather than a join to every
            # assessment counted by distinct keys.
            completed=Count("pk", filter=Q(pk__in=completed.values("application_id"))),
        )
        .order_by("-enrolled", "-applied", "key")
    )
    return [
        BreakdownRow(
            key=row["key"] or "",
            label=str(labels.get(row["key"], row["key"] or _("Not stated"))),
            applied=row["applied"],
            enrolled=row["enrolled"],
            completed=row["completed"],
        )
        for row in rows
    ]


def by_province(programme: Programme) -> list[BreakdownRow]:
    """Applications submitted, SMEs enrolled now and assessments completed by province. One query."""
    return _breakdown(programme, "company__province", dict(Province.choices))


def by_sector(programme: Programme) -> list[BreakdownRow]:
    """The same by ATECO section. One query."""
    return _breakdown(programme, "company__ateco_section", dict(reference.sections()))


def by_size(programme: Programme) -> list[BreakdownRow]:
    """The same by company size class (EU definition). One query."""
    return _breakdown(programme, "size_class", dict(SizeClass.choices))


def workload(programme: Programme) -> QuerySet[Manager]:
    """Managers in the pool (or suspended) with their open and completed assessments."""
    return (
        Manager.objects.filter(programme=programme, status__in=WORKLOAD_STATUSES)
        .select_related("user")
        .annotate(
            open_load=F("open_assessments"),
            completed_load=F("completed_assessments"),
            capacity_left_now=F("capacity") - F("open_assessments"),
        )
    )


def workload_sorted(programme: Programme, sort: str) -> QuerySet[Manager]:
    return workload(programme).order_by(*WORKLOAD_SORTS.get(sort, WORKLOAD_SORTS[DEFAULT_WORKLOAD_SORT]))


def manager_pool(programme: Programme) -> dict[str, int]:
    """How many managers applied, were selected, and still have room for an SME. One query."""
    selected = Q(status=ManagerStatus.SELECTED)
    counts = Manager.objects.filter(programme=programme).aggregate(
        applied=Count("pk", filter=Q(applied_at__isnull=False)),
        selected=Count("pk", filter=selected),
        not_selected=Count("pk", filter=Q(status=ManagerStatus.NOT_SELECTED)),
        suspended=Count("pk", filter=Q(status=ManagerStatus.SUSPENDED)),
        left=Count("pk", filter=Q(status=ManagerStatus.LEFT)),
        with_capacity_left=Count("pk", filter=selected & Q(open_assessments__lt=F("capacity"))),
        places_left=Sum(F("capacity") - F("open_assessments"), filter=selected),
    )
    counts["places_left"] = counts["places_left"] or 0
    return counts


def median_days(programme: Programme) -> dict[str, float | None]:
    """Median days from enrolment to the first match and from acceptance to completion,
    computed by PostgreSQL. Two queries."""
    # Each enrolled application's first match, grouped once over the programme's
    # assessments rather than looked up application by application.
    to_match = (
        Assessment.objects.filter(programme=programme, application__enrolled_at__isnull=False)
        .values("application")
        .annotate(days=DaysBetween(Min("assigned_at"), F("application__enrolled_at")))
        .aggregate(median=Median("days"))["median"]
    )
    to_completion = Assessment.objects.filter(
        programme=programme, status=AssessmentStatus.COMPLETED, accepted_at__isnull=False
    ).aggregate(median=Median(DaysBetween(F("completed_at"), F("accepted_at"))))["median"]
    return {
        "enrolment_to_match": None if to_match is None else round(to_match, 1),
        "acceptance_to_completion": None if to_completion is None else round(to_completion, 1),
    }


def levels(programme: Programme) -> list[LevelRow]:
    """The average current and target level (0-5) per dimension over completed assessments,
    from the totals the assessments app keeps. One query."""
    return [
        LevelRow(
            dimension=row.dimension,
            label=row.label,
            is_eu=row.is_eu,
            current=None if row.current is None else float(row.current),
            target=None if row.target is None else float(row.target),
            findings=row.findings,
        )
        for row in review_queries.average_levels(programme)
    ]


def envelope(programme: Programme) -> dict:
    """The financing envelope used, from the counters the financing services keep."""
    return {
        "projects": programme.committed_projects,
        "projects_limit": programme.envelope_projects,
        "projects_share": _share(programme.committed_projects, programme.envelope_projects),
        "amount": programme.committed_amount,
        "amount_limit": programme.envelope_amount,
        "amount_share": _share(float(programme.committed_amount), float(programme.envelope_amount)),
    }


def dashboard(programme: Programme, today: datetime.date | None = None) -> dict:
    """Everything the staff dashboard shows, in a fixed number of queries (13).

    The headline figures are those of headline_figures(), read from the aggregates the
    dashboard makes anyway (applications, the pool, the assessments by status) instead
    of one query each."""
    counts = _funnel_and_application_counts(programme)
    pool = manager_pool(programme)
    statuses = review_queries.status_counts(programme, today)
    figures = dict.fromkeys(HEADLINE_KEYS, 0)
    figures["assessments_planned"] = programme.assessment_quota
    figures["smes_enrolled"] = counts["now_enrolled"]
    figures["managers_selected"] = pool["selected"]
    figures["assessments_assigned"] = sum(
        statuses[status]
        for status in AssessmentStatus.values
        if status not in assessment_queries.NOT_ASSIGNED_STATUSES
    )
    figures["assessments_completed"] = statuses[AssessmentStatus.COMPLETED]
    figures.update(project_queries.headline_figures(programme))
    workload_rows = workload(programme)
    return {
        "figures": figures,
        "applications": {key: counts[f"now_{key}"] for key in APPLICATION_COUNT_KEYS},
        "quota": quota(programme, figures, today, statuses),
        "funnel": _funnel_steps(counts),
        "by_province": by_province(programme),
        "by_sector": by_sector(programme),
        "by_size": by_size(programme),
        "busiest": list(workload_rows.order_by(*WORKLOAD_SORTS["busiest"])[:BUSIEST_FEW]),
        "idlest": list(workload_rows.order_by(*WORKLOAD_SORTS["idlest"])[:BUSIEST_FEW]),
        "pool": pool,
        "medians": median_days(programme),
        "levels": levels(programme),
        "envelope": envelope(programme),
        "recent": recent_changes(programme),
    }


def dashboard_as_of_last_change(programme: Programme, today: datetime.date) -> dict:
    """dashboard(), kept between changes of the programme (programme.figures): read back
    while nothing changed; after a change, the figures of before it, marked as being
    brought up to date, while a worker computes the new ones (refresh_dashboard)."""
    language = translation.get_language()
    snapshot, updating = figures.kept_while_refreshed(
        programme,
        DASHBOARD_FIGURES,
        lambda: dashboard(programme, today),
        today=today,
        refresh=partial(ask_dashboard_refresh, programme.pk, today, language),
    )
    return {**snapshot.value, "computed_at": snapshot.computed_at, "updating": updating}


DASHBOARD_FIGURES = "dashboard"


def ask_dashboard_refresh(programme_id: int, today: datetime.date, language: str) -> bool:
    """Have a worker compute the dashboard's figures. Never raises: with the broker down,
    a request computes them once the figures of before the change are too old to show."""
    from programme.celery import hand_to_worker
    from programme.tasks import refresh_dashboard

    return hand_to_worker(
        refresh_dashboard,
        programme_id,
        today.isoformat(),
        language,
        otherwise="the dashboard's figures are left to the next request",
    )


def refresh_dashboard(*, programme_id: int, today: datetime.date, language: str) -> None:
    """Compute the dashboard's figures and keep them as the latest (the worker's side)."""
    programme = Programme.objects.filter(pk=programme_id).first()
    if programme is None:
        return
    with translation.override(language):
        figures.keep_latest(programme, DASHBOARD_FIGURES, lambda: dashboard(programme, today), today=today)


def _labels() -> tuple[dict, dict]:
    """Every app's words for its audit actions and statuses, for a timeline that mixes them."""
    from assessments.models import RunStatus
    from assessments.review import words as assessment_words
    from projects.financing import words as financing_words
    from projects.models import ProjectStatus as ProjectStatuses
    from projects.proposal import words as proposal_words

    actions = {
        **sme_queries.ACTION_LABELS,
        **manager_queries.ACTION_LABELS,
        **assessment_words.ACTION_LABELS,
        **proposal_words.ACTION_LABELS,
        **financing_words.ACTION_LABELS,
    }
    statuses = {}
    for choices in (ApplicationStatus, ManagerStatus, AssessmentStatus, RunStatus, ProjectStatuses):
        statuses.update(dict(choices.choices))
    return actions, statuses


def recent_changes(programme: Programme) -> list[programme_queries.TimelineEntry]:
    """The programme's latest status changes and decisions, in words."""
    actions, statuses = _labels()
    entries = programme_queries.recent_audit(programme)
    return [
        programme_queries.TimelineEntry(
            created_at=entry.created_at,
            actor=entry.actor,
            action=f"{entry.content_type.name} · {actions.get(entry.action, entry.action)}",
            from_status=str(statuses.get(entry.from_status, entry.from_status)),
            to_status=str(statuses.get(entry.to_status, entry.to_status)),
            reason="",
        )
        for entry in entries
    ]


def chart_data(board: dict) -> dict[str, dict]:
    """What dashboard.js draws, keyed by chart: labels and datasets, in the reader's language."""

    def bars(rows: list[BreakdownRow]) -> dict:
        return {
            "labels": [row.label for row in rows],
            "datasets": [
                {"label": str(_("Applications submitted")), "data": [row.applied for row in rows]},
                {"label": str(_("SMEs enrolled")), "data": [row.enrolled for row in rows]},
                {"label": str(_("Assessments completed")), "data": [row.completed for row in rows]},
            ],
        }

    statuses = board["quota"]["statuses"]
    return {
        "funnel": {
            "labels": [step.label for step in board["funnel"]],
            "datasets": [{"label": str(_("SMEs")), "data": [step.count for step in board["funnel"]]}],
        },
        "assessments": {
            "labels": [str(label) for _value, label in AssessmentStatus.choices],
            "datasets": [
                {
                    "label": str(_("Assessments")),
                    "data": [statuses.get(value, 0) for value in AssessmentStatus.values],
                }
            ],
        },
        "province": bars(board["by_province"]),
        "sector": bars(board["by_sector"]),
        "size": bars(board["by_size"]),
        "levels": {
            "labels": [row.label for row in board["levels"]],
            "datasets": [
                {"label": str(_("Current level")), "data": [row.current for row in board["levels"]]},
                {"label": str(_("Target level")), "data": [row.target for row in board["levels"]]},
            ],
        },
    }


# A person's data (the staff pages that export and erase it).


def people_search(text: str) -> QuerySet[User]:
    """People whose e-mail address or name contains every word typed, with their roles,
    newest first. Two queries per page (the rows, their roles) whatever the count."""
    return (
        User.objects.filter(programme_queries.person_matches(text))
        .prefetch_related("groups")
        .order_by("-date_joined", "-pk")
    )


def company_left_without_members(user: User) -> list[str]:
    """The companies of which `user` is the only member: erasing them leaves the company
    with nobody to act for it, which staff should know before they confirm."""
    return list(
        Company.objects.filter(pk__in=CompanyMembership.objects.filter(user=user).values("company"))
        .annotate(member_count=Count("memberships"))
        .filter(member_count=1)
        .values_list("legal_name", flat=True)
    )
