"""Assessments in any status for staff's side, built straight in the database with the
manager's counter kept consistent, and the work in them (visits, findings,
recommendations). Test modules take the fixtures with
`from tests.assessments.review_fixtures import *  # noqa: F403`."""

from __future__ import annotations

import datetime
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
    Recommendation,
    Visit,
    VisitConfirmation,
)
from managers.models import Manager
from programme.models import Programme
from programme.reference import AssessmentArea
from smes.models import Application
from tests.assessments.conftest import enrolled, selected

__all__ = ["submitted", "under_way"]

WORK_STATUSES = (AssessmentStatus.ACCEPTED, AssessmentStatus.IN_PROGRESS, AssessmentStatus.SUBMITTED)


def make_assessment(
    application: Application,
    manager: Manager,
    status: str = AssessmentStatus.IN_PROGRESS,
    *,
    due_on: datetime.date | None = None,
    **fields,
) -> Assessment:
    """An assessment in `status`; an open one takes one of the manager's places, as the
    services would have done."""
    now = timezone.now()
    today = timezone.localdate()
    values = {
        "programme": application.programme,
        "application": application,
        "manager": manager,
        "status": status,
        "answer_due_on": today + datetime.timedelta(days=7),
        "assigned_at": now - datetime.timedelta(days=30),
    }
    if status != AssessmentStatus.ASSIGNED:
        values["accepted_at"] = now - datetime.timedelta(days=29)
        values["due_on"] = due_on or today + datetime.timedelta(days=60)
    if status in (AssessmentStatus.IN_PROGRESS, AssessmentStatus.SUBMITTED, AssessmentStatus.COMPLETED):
        values["started_at"] = now - datetime.timedelta(days=28)
    if status in (AssessmentStatus.SUBMITTED, AssessmentStatus.COMPLETED):
        values["submitted_at"] = now - datetime.timedelta(days=2)
    if status == AssessmentStatus.COMPLETED:
        values["completed_at"] = now - datetime.timedelta(days=1)
    values.update(fields)
    assessment = Assessment.objects.create(**values)
    if status in OPEN_STATUSES:
        Manager.objects.filter(pk=manager.pk).update(open_assessments=F("open_assessments") + 1)
        manager.refresh_from_db()
    return assessment


def add_visits(assessment: Assessment, count: int = 2, **fields) -> list[Visit]:
    """Visits of half a day each (or `fields`), the last one disputed by the SME."""
    start = timezone.localdate() - datetime.timedelta(days=20)
    visits = [
        Visit(
            assessment=assessment,
            held_on=start + datetime.timedelta(days=index),
            duration_unit=fields.get("duration_unit", DurationUnit.HALF_DAYS),
            duration=fields.get("duration", Decimal("1")),
            participants="Titolare, responsabile produzione",
            notes=f"Visita {index + 1}: analisi dei processi",
            confirmation=VisitConfirmation.DISPUTED if index == count - 1 else VisitConfirmation.CONFIRMED,
            sme_comment="La visita è durata meno di quanto indicato." if index == count - 1 else "",
        )
        for index in range(count)
    ]
    return Visit.objects.bulk_create(visits)


def add_findings(assessment: Assessment, current: int = 2, target: int = 4) -> list[Finding]:
    """A scored finding on each of the ten dimensions."""
    return Finding.objects.bulk_create(
        Finding(
            assessment=assessment,
            dimension=dimension,
            current_level=current,
            target_level=target,
            evidence=f"Evidenze su {dimension}",
            strengths="Personale motivato",
            gaps="Processi non digitalizzati",
        )
        for dimension in AssessmentArea.values
    )


def add_recommendations(assessment: Assessment, count: int = 3) -> list[Recommendation]:
    priorities = ["low", "high", "medium"]
    return Recommendation.objects.bulk_create(
        Recommendation(
            assessment=assessment,
            title=f"Raccomandazione {index + 1}",
            dimension=AssessmentArea.values[index % len(AssessmentArea.values)],
            description="Collegare le macchine al gestionale.",
            priority=priorities[index % 3],
            position=index,
        )
        for index in range(count)
    )


def full_report(assessment: Assessment) -> Assessment:
    add_visits(assessment)
    add_findings(assessment)
    add_recommendations(assessment)
    return assessment


@pytest.fixture
def submitted(pool) -> Assessment:
    """The Milan SME's report, submitted by the first manager (the manager persona)."""
    return full_report(make_assessment(pool.milan, pool.first, AssessmentStatus.SUBMITTED))


@pytest.fixture
def under_way(pool) -> Assessment:
    """The Bergamo SME's assessment in progress with the second manager."""
    assessment = make_assessment(pool.bergamo, pool.second, AssessmentStatus.IN_PROGRESS)
    add_visits(assessment)
    add_findings(assessment)
    return assessment


def many_assessments(programme: Programme, count: int) -> list[Assessment]:
    """`count` assessments in every status, each with visits, for the list's query count."""
    statuses = [
        AssessmentStatus.ASSIGNED,
        AssessmentStatus.ACCEPTED,
        AssessmentStatus.IN_PROGRESS,
        AssessmentStatus.SUBMITTED,
        AssessmentStatus.COMPLETED,
        AssessmentStatus.CANCELLED,
    ]
    made = []
    for index in range(count):
        manager = selected(programme, ["MI"], capacity=1)
        application = enrolled(programme, "MI", "Milano")
        status = statuses[index % len(statuses)]
        overdue = index % 2 == 0 and status in WORK_STATUSES
        assessment = make_assessment(
            application,
            manager,
            status,
            due_on=timezone.localdate() - datetime.timedelta(days=3) if overdue else None,
        )
        add_visits(assessment, count=1 + index % 3)
        if status == AssessmentStatus.COMPLETED:
            add_findings(assessment, current=index % 4, target=4)
        made.append(assessment)
    return made
