"""Assessments with a written report, for the report's tests: one held by the signed-in
manager persona for the signed-in SME persona's company, and others that nobody of the
personas holds."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.db.models import F
from django.utils import timezone

from assessments.models import (
    OPEN_STATUSES,
    Assessment,
    AssessmentStatus,
    DurationUnit,
    Finding,
    Rating,
    Recommendation,
    Visit,
    VisitConfirmation,
    VisitMode,
)
from managers.models import Manager
from programme.models import Programme, User
from programme.reference import AssessmentArea
from smes.models import ApplicationStatus
from tests.assessments.conftest import selected
from tests.factories import ApplicationFactory, CompanyFactory, ManagerUserFactory, SmeMemberFactory

# Levels per dimension (current, target), in the model's order: the six EU dimensions
# average 2 now (score 40) and 3.5 as a target (score 70).
LEVELS = {
    AssessmentArea.DIGITAL_STRATEGY: (2, 4),
    AssessmentArea.DIGITAL_READINESS: (3, 4),
    AssessmentArea.HUMAN_CENTRIC: (2, 3),
    AssessmentArea.DATA_MANAGEMENT: (1, 3),
    AssessmentArea.AUTOMATION_AI: (2, 4),
    AssessmentArea.GREEN_DIGITAL: (2, 3),
    AssessmentArea.OPERATIONS_LEAN: (3, 4),
    AssessmentArea.FINANCE_CONTROL: (2, 3),
    AssessmentArea.MARKET_INTERNATIONAL: (1, 2),
    AssessmentArea.ORGANISATION_PEOPLE: (3, 3),
}


def assessment_with_report(
    *,
    programme: Programme,
    manager: Manager,
    member: User | None = None,
    status: str = AssessmentStatus.COMPLETED,
    visits: int = 3,
    recommendations: int = 3,
    company_name: str | None = None,
) -> Assessment:
    """An assessment of a new enrolled company in `status`, with every dimension scored,
    `visits` visits and `recommendations` recommendations; the manager's counter follows."""
    company = CompanyFactory(
        member=member or SmeMemberFactory(), **({"legal_name": company_name} if company_name else {})
    )
    application = ApplicationFactory(programme=programme, company=company, status=ApplicationStatus.ENROLLED)
    now = timezone.now()
    accepted = now - datetime.timedelta(days=60)
    assessment = Assessment.objects.create(
        programme=programme,
        application=application,
        manager=manager,
        status=status,
        answer_due_on=(accepted - datetime.timedelta(days=3)).date(),
        accepted_at=accepted,
        due_on=(accepted + datetime.timedelta(days=programme.days_to_complete)).date(),
        started_at=accepted + datetime.timedelta(days=5),
        submitted_at=now - datetime.timedelta(days=5)
        if status in (AssessmentStatus.SUBMITTED, AssessmentStatus.COMPLETED)
        else None,
        completed_at=now - datetime.timedelta(days=1) if status == AssessmentStatus.COMPLETED else None,
        summary="Un'azienda solida con margini di crescita nella gestione dei dati.",
    )
    if status in OPEN_STATUSES:
        Manager.objects.filter(pk=manager.pk).update(open_assessments=F("open_assessments") + 1)
    Finding.objects.bulk_create(
        Finding(
            assessment=assessment,
            dimension=dimension,
            current_level=current,
            target_level=target,
            evidence=f"Colloqui e visita in reparto ({dimension}).",
            strengths="Personale esperto.",
            gaps="Dati raccolti a mano.",
        )
        for dimension, (current, target) in LEVELS.items()
    )
    Visit.objects.bulk_create(
        Visit(
            assessment=assessment,
            held_on=(accepted + datetime.timedelta(days=7 * (number + 1))).date(),
            duration_unit=DurationUnit.HALF_DAYS if number % 2 == 0 else DurationUnit.HOURS,
            duration=Decimal("2") if number % 2 == 0 else Decimal("4"),
            mode=VisitMode.ON_SITE if number % 2 == 0 else VisitMode.REMOTE,
            participants="Titolare, responsabile di produzione",
            confirmation=VisitConfirmation.CONFIRMED,
        )
        for number in range(visits)
    )
    priorities = (Rating.LOW, Rating.HIGH, Rating.MEDIUM)
    Recommendation.objects.bulk_create(
        Recommendation(
            assessment=assessment,
            title=f"Raccomandazione {number + 1}",
            dimension=AssessmentArea.values[number % len(AssessmentArea.values)],
            description="Collegare le macchine al gestionale.",
            priority=priorities[number % len(priorities)],
            position=number,
        )
        for number in range(recommendations)
    )
    return assessment


@dataclass
class ReportCase:
    """The manager persona's completed assessment of the SME persona's company, and an
    assessment of another company held by another manager."""

    programme: Programme
    manager: Manager
    other_manager: Manager
    assessment: Assessment
    other: Assessment


@pytest.fixture
def report_case(programme, manager_user, sme_member) -> ReportCase:
    manager = selected(programme, ["MI", "BG"], capacity=3, user=manager_user)
    other_manager = selected(programme, ["MI", "BG"], capacity=3, user=ManagerUserFactory())
    return ReportCase(
        programme=programme,
        manager=manager,
        other_manager=other_manager,
        assessment=assessment_with_report(
            programme=programme, manager=manager, member=sme_member, company_name="Meccanica Brambilla S.r.l."
        ),
        other=assessment_with_report(programme=programme, manager=other_manager),
    )


def set_status(assessment: Assessment, status: str) -> Assessment:
    Assessment.objects.filter(pk=assessment.pk).update(status=status)
    assessment.refresh_from_db()
    return assessment
