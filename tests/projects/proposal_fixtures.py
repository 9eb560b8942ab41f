"""Completed assessments to propose projects from, and projects at each step of the
proposal, built through the services where the step is the company's. Test modules
take the fixtures with `from tests.projects.proposal_fixtures import *  # noqa: F403`."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone, translation

from assessments.models import Assessment, AssessmentStatus, ProjectOutline, Recommendation
from managers.models import Manager, ManagerStatus
from programme.models import Programme, User
from programme.reference import AssessmentArea
from projects.models import Project
from projects.proposal import services
from smes.models import ApplicationStatus
from tests.factories import ApplicationFactory, CompanyFactory, ManagerFactory, SmeMemberFactory

__all__ = ["completed", "draft", "english", "ready", "submitted_project"]

TOTAL = Decimal("60000.00")
REQUESTED = Decimal("40000.00")
OWN = Decimal("20000.00")
RECEIVED = Decimal("50000.00")


@pytest.fixture(autouse=True)
def english():
    """Messages raised by the services read in English, the source language."""
    with translation.override("en"):
        yield


def completed_assessment(
    programme: Programme, member: User | None = None, manager_user: User | None = None
) -> Assessment:
    """A completed assessment of an enrolled company whose member is `member`, by a
    selected manager who is `manager_user`, with three recommendations and an outline."""
    member = member or SmeMemberFactory()
    application = ApplicationFactory(
        programme=programme, status=ApplicationStatus.ENROLLED, company=CompanyFactory(member=member)
    )
    extra = {"user": manager_user} if manager_user is not None else {}
    manager = ManagerFactory(programme=programme, status=ManagerStatus.SELECTED, **extra)
    now = timezone.now()
    assessment = Assessment.objects.create(
        programme=programme,
        application=application,
        manager=manager,
        status=AssessmentStatus.COMPLETED,
        answer_due_on=timezone.localdate(),
        assigned_at=now - datetime.timedelta(days=60),
        accepted_at=now - datetime.timedelta(days=58),
        started_at=now - datetime.timedelta(days=55),
        submitted_at=now - datetime.timedelta(days=5),
        completed_at=now - datetime.timedelta(days=2),
        due_on=timezone.localdate() + datetime.timedelta(days=10),
    )
    Recommendation.objects.bulk_create(
        Recommendation(
            assessment=assessment,
            title=title,
            dimension=dimension,
            description="Da avviare entro sei mesi.",
            position=position,
        )
        for position, (title, dimension) in enumerate(
            [
                ("Collegare le macchine al gestionale", AssessmentArea.DIGITAL_READINESS),
                ("Introdurre il controllo di gestione per commessa", AssessmentArea.FINANCE_CONTROL),
                ("Formare i capireparto sul lean", AssessmentArea.OPERATIONS_LEAN),
            ]
        )
    )
    ProjectOutline.objects.create(
        assessment=assessment,
        title="Fabbrica connessa",
        objectives="Collegare i centri di lavoro al gestionale e ridurre i fermi macchina del 20%.",
        estimated_cost=Decimal("65000"),
        duration_months=12,
    )
    return assessment


def fill_in(project: Project, member: User, **costs: Decimal) -> Project:
    """Every step of the draft, as the company writes it: a plan of three milestones
    whose tranches make the financing requested."""
    assessment = project.assessment
    services.project_save_general(
        project=project,
        title="Fabbrica connessa 4.0",
        objectives="Collegare i centri di lavoro al gestionale e ridurre i fermi macchina del 20%.",
        recommendations=list(assessment.recommendations.all()[:2]),
        facilitator=assessment.manager,
        by=member,
    )
    total = costs.get("total_cost", TOTAL)
    requested = costs.get("financing_requested", REQUESTED)
    own = costs.get("own_share", OWN)
    today = timezone.localdate()
    third = (requested / 3).quantize(Decimal("0.01"))
    services.project_save_plan(
        project=project,
        milestones=[
            services.MilestonePlan(
                "Analisi e progetto esecutivo", today + datetime.timedelta(days=60), third
            ),
            services.MilestonePlan("Installazione dei sensori", today + datetime.timedelta(days=150), third),
            services.MilestonePlan(
                "Collaudo e formazione", today + datetime.timedelta(days=300), requested - 2 * third
            ),
        ],
        by=member,
    )
    services.project_save_costs(
        project=project, total_cost=total, financing_requested=requested, own_share=own, by=member
    )
    services.de_minimis_declare(
        project=project, received=costs.get("received", RECEIVED), confirmed=True, by=member
    )
    project.refresh_from_db()
    return project


def selected_manager(programme: Programme) -> Manager:
    return ManagerFactory(programme=programme, status=ManagerStatus.SELECTED)


@pytest.fixture
def completed(programme, sme_member, manager_user) -> Assessment:
    """The SME persona's completed assessment, by the manager persona."""
    return completed_assessment(programme, sme_member, manager_user)


@pytest.fixture
def draft(completed, sme_member) -> Project:
    return services.project_create(assessment=completed, by=sme_member)


@pytest.fixture
def ready(draft, sme_member) -> Project:
    """A draft with every step written, ready to submit."""
    return fill_in(draft, sme_member)


@pytest.fixture
def submitted_project(ready, sme_member) -> Project:
    return services.project_submit(project=ready, by=sme_member)
