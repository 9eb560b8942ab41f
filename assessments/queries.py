"""Read side of the assessments app: the matching inputs, the runs and proposals for
staff, each manager's assessments, the headline figures."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Sum
from django.utils import timezone

from assessments import scoring
from assessments.models import (
    HOLDING_STATUSES,
    REFUSED_STATUSES,
    Assessment,
    AssessmentStatus,
    MatchingRun,
    Proposal,
    RunStatus,
)
from managers.models import Manager, UnavailabilityPeriod
from programme import figures
from programme.models import Programme, User
from smes.models import Application, ApplicationStatus


@dataclass(frozen=True)
class MatchingInputs:
    """What a run scores: the SMEs waiting for a manager, the managers who can take one,
    and the pairs that must never be proposed again."""

    applications: list[Application]
    managers: list[Manager]
    smes: list[scoring.SmeProfile]
    manager_profiles: list[scoring.ManagerProfile]
    forbidden_pairs: frozenset[tuple[int, int]]


def unmatched_applications(programme: Programme) -> QuerySet[Application]:
    """Enrolled SMEs that hold no assessment (none open, none completed)."""
    holding = Assessment.objects.filter(application=OuterRef("pk"), status__in=HOLDING_STATUSES)
    return (
        Application.objects.filter(programme=programme, status=ApplicationStatus.ENROLLED)
        .exclude(Exists(holding))
        .select_related("company")
        .order_by("pk")
    )


def available_managers(programme: Programme, today: datetime.date) -> QuerySet[Manager]:
    """Selected managers with capacity left who are not away today."""
    away = UnavailabilityPeriod.objects.filter(
        manager=OuterRef("pk"), starts_on__lte=today, ends_on__gte=today
    )
    return (
        Manager.objects.in_pool()
        .filter(programme=programme, open_assessments__lt=F("capacity"))
        .filter(Q(available_from__isnull=True) | Q(available_from__lte=today))
        .exclude(Exists(away))
        .select_related("user")
        .prefetch_related("sector_experiences", "competences")
        .order_by("pk")
    )


def places_left(programme: Programme) -> dict[str, int]:
    """Managers in the pool who can take an SME today, and how many SMEs they can take."""
    found = available_managers(programme, timezone.localdate()).aggregate(
        managers=Count("pk"), places=Sum(F("capacity") - F("open_assessments"))
    )
    return {"managers": found["managers"] or 0, "places": found["places"] or 0}


def matching_figures(programme: Programme) -> dict:
    """What the matching page shows before a run: the SMEs waiting for a manager and the
    places left, computed once per change of the programme (programme.figures). A
    manager's capacity changed on their profile shows within the figures' time limit; a
    run reads the programme afresh."""
    today = timezone.localdate()

    def computed() -> dict:
        return {"waiting": unmatched_applications(programme).count(), "places": places_left(programme)}

    return figures.kept(programme, "matching", computed, today=today)


def refused_pairs(programme: Programme) -> frozenset[tuple[int, int]]:
    """(application, manager) pairs that a manager declined or let lapse."""
    return frozenset(
        Assessment.objects.filter(programme=programme, status__in=REFUSED_STATUSES).values_list(
            "application_id", "manager_id"
        )
    )


def sme_profile(application: Application) -> scoring.SmeProfile:
    company = application.company
    return scoring.SmeProfile(
        id=application.pk,
        province=company.province,
        ateco_section=company.ateco_section,
        ateco_division=company.ateco_division or None,
        needs=frozenset(application.needs),
        vat_number=company.vat_number,
    )


def manager_profile(manager: Manager) -> scoring.ManagerProfile:
    sector_years: dict[str, float] = {}
    for row in manager.sector_experiences.all():
        key = row.division or row.section
        sector_years[key] = max(sector_years.get(key, 0.0), float(row.years))
    return scoring.ManagerProfile(
        id=manager.pk,
        accepted_provinces=frozenset(manager.provinces),
        sector_years=sector_years,
        competences={rating.area: rating.level for rating in manager.competences.all()},
        merit_score=float(manager.merit_score) if manager.merit_score is not None else None,
        capacity_left=manager.capacity - manager.open_assessments,
        conflict_vat_numbers=frozenset(manager.declared_vat_numbers),
        home_province=manager.home_province or "",
    )


def matching_inputs(programme: Programme, today: datetime.date | None = None) -> MatchingInputs:
    today = today or timezone.localdate()
    applications = list(unmatched_applications(programme))
    managers = list(available_managers(programme, today))
    return MatchingInputs(
        applications=applications,
        managers=managers,
        smes=[sme_profile(application) for application in applications],
        manager_profiles=[manager_profile(manager) for manager in managers],
        forbidden_pairs=refused_pairs(programme),
    )


def weights_of(programme: Programme) -> scoring.Weights:
    return scoring.Weights(
        sector=float(programme.weight_sector),
        competence=float(programme.weight_competence),
        geography=float(programme.weight_geography),
        merit=float(programme.weight_merit),
    )


def runs(programme: Programme, limit: int = 10) -> list[MatchingRun]:
    return list(
        MatchingRun.objects.filter(programme=programme)
        .select_related("started_by", "decided_by")
        .annotate(proposal_count=Count("proposals", filter=Q(proposals__dropped=False)))
        .order_by("-created_at", "-id")[:limit]
    )


def active_run(recent: list[MatchingRun]) -> MatchingRun | None:
    """The run under way, from the latest runs (runs()): a run starts only when none is
    queued or running (services.matching_run_start), so one under way is the latest."""
    latest = recent[0] if recent else None
    return latest if latest is not None and latest.status in (RunStatus.QUEUED, RunStatus.RUNNING) else None


def run_proposals(run: MatchingRun) -> list[Proposal]:
    """The run's proposals for its page, best fit first, with the SME and the manager."""
    return list(
        run.proposals.select_related("application__company", "manager__user").order_by(
            "dropped", "-fit", "id"
        )
    )


def manager_names(manager_ids: set[int]) -> dict[int, str]:
    """Names of the managers that alternatives point to, in one query."""
    return {
        manager.pk: str(manager.user)
        for manager in Manager.objects.filter(pk__in=manager_ids).select_related("user")
    }


def applications_by_id(application_ids: set[int]) -> dict[int, Application]:
    return {
        application.pk: application
        for application in Application.objects.filter(pk__in=application_ids).select_related("company")
    }


def manager_assessments(user: User, programme: Programme | None) -> QuerySet[Assessment]:
    """The assessments of the signed-in manager, the newest first."""
    return (
        Assessment.objects.filter(manager__user=user, programme=programme)
        .select_related("application__company", "manager")
        .order_by("-assigned_at", "-id")
    )


def visible_to_manager(user: User) -> QuerySet[Assessment]:
    """The assessments a manager may open: their own, nobody else's."""
    return Assessment.objects.filter(manager__user=user).select_related(
        "application__company", "manager__user", "programme"
    )


def sme_assessment(application: Application | None) -> Assessment | None:
    """The SME's current assessment (open or completed), with its manager."""
    if application is None:
        return None
    return (
        Assessment.objects.filter(application=application, status__in=HOLDING_STATUSES)
        .select_related("manager__user")
        .first()
    )


# Assessments that do not count as assigned: the manager never took the SME on.
NOT_ASSIGNED_STATUSES = (AssessmentStatus.DECLINED, AssessmentStatus.LAPSED, AssessmentStatus.CANCELLED)


def headline_figures(programme: Programme) -> dict[str, int]:
    """Assessments assigned (whatever their later status, unless declined, lapsed or
    cancelled) and completed."""
    return Assessment.objects.filter(programme=programme).aggregate(
        assessments_assigned=Count("pk", filter=~Q(status__in=NOT_ASSIGNED_STATUSES)),
        assessments_completed=Count("pk", filter=Q(status=AssessmentStatus.COMPLETED)),
    )
