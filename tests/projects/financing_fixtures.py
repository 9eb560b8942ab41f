"""Projects ready for the administrators' decision and further along, built straight in the
database (the proposal and eligibility steps are tested on their own), with the programme's
counters kept as the services would. Test modules take the fixtures with
`from tests.projects.financing_fixtures import *  # noqa: F403`."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db.models import F
from django.utils import timezone, translation

from assessments.models import Assessment, AssessmentStatus
from managers.models import Manager, ManagerStatus
from programme.models import Programme, User
from projects.models import Milestone, MilestoneStatus, Project, ProjectStatus
from smes.models import ApplicationStatus
from tests.factories import (
    AdministratorFactory,
    ApplicationFactory,
    CompanyFactory,
    ManagerFactory,
    SmeMemberFactory,
)

__all__ = [
    "approved_project",
    "eligible_project",
    "english",
    "facilitator",
    "second_administrator",
    "started_project",
]


def completed_assessment(programme: Programme, *, member: User | None = None, manager: Manager) -> Assessment:
    """A completed assessment of an enrolled SME whose member is `member` (a new one if None)."""
    member = member or SmeMemberFactory()
    application = ApplicationFactory(
        programme=programme, status=ApplicationStatus.ENROLLED, company=CompanyFactory(member=member)
    )
    now = timezone.now()
    return Assessment.objects.create(
        programme=programme,
        application=application,
        manager=manager,
        status=AssessmentStatus.COMPLETED,
        assigned_at=now - datetime.timedelta(days=90),
        answer_due_on=timezone.localdate() - datetime.timedelta(days=83),
        accepted_at=now - datetime.timedelta(days=88),
        due_on=timezone.localdate(),
        started_at=now - datetime.timedelta(days=80),
        submitted_at=now - datetime.timedelta(days=10),
        completed_at=now - datetime.timedelta(days=5),
    )


def selected_manager(programme: Programme, user: User | None = None) -> Manager:
    extra = {"user": user} if user is not None else {}
    return ManagerFactory(programme=programme, status=ManagerStatus.SELECTED, **extra)


def make_project(
    programme: Programme,
    *,
    manager: Manager | None = None,
    member: User | None = None,
    status: str = ProjectStatus.ELIGIBLE,
    requested: str = "60000",
    score: str | None = "7.50",
    tranches: tuple[str, ...] = ("20000", "20000", "20000"),
    granted: str | None = None,
    **fields,
) -> Project:
    """A project in `status` with its work plan; an approved, started or closed one holds
    its amount of the envelope, as project_approve would have done."""
    manager = manager or selected_manager(programme)
    assessment = completed_assessment(programme, member=member, manager=manager)
    requested_amount = Decimal(requested)
    total = (requested_amount / Decimal("0.6")).quantize(Decimal("0.01"))
    now = timezone.now()
    values = {
        "programme": programme,
        "assessment": assessment,
        "status": status,
        "title": f"Fabbrica connessa per {assessment.application.company.legal_name}",
        "objectives": "Collegare le macchine al gestionale e pianificare la produzione sui dati reali.",
        "total_cost": total,
        "financing_requested": requested_amount,
        "own_share": total - requested_amount,
        "facilitator": manager,
        "de_minimis_received": Decimal("40000"),
        "de_minimis_declared": True,
        "score": Decimal(score) if score is not None else None,
        "submitted_at": now - datetime.timedelta(days=4),
    }
    committed = status in (ProjectStatus.APPROVED, ProjectStatus.STARTED, ProjectStatus.CLOSED)
    if committed:
        values["amount_granted"] = Decimal(granted or requested)
        values["decided_at"] = now - datetime.timedelta(days=2)
    if status in (ProjectStatus.STARTED, ProjectStatus.CLOSED):
        values.update(cup_code="J41B26000120007", state_aid_code="1234567", started_on=timezone.localdate())
    values.update(fields)
    project = Project.objects.create(**values)
    today = timezone.localdate()
    Milestone.objects.bulk_create(
        Milestone(
            project=project,
            title=f"Tappa {position + 1}",
            description="Consegna e collaudo.",
            due_on=today + datetime.timedelta(days=60 * (position + 1)),
            tranche=Decimal(tranche),
            position=position,
        )
        for position, tranche in enumerate(tranches)
    )
    if committed:
        Programme.objects.filter(pk=programme.pk).update(
            committed_projects=F("committed_projects") + 1,
            committed_amount=F("committed_amount") + project.amount_granted,
        )
        programme.refresh_from_db()
    return project


def reach(milestone: Milestone) -> Milestone:
    """The milestone reported as reached, straight in the database."""
    Milestone.objects.filter(pk=milestone.pk).update(
        status=MilestoneStatus.REACHED, evidence="Verbale di collaudo firmato.", reached_at=timezone.now()
    )
    milestone.refresh_from_db()
    return milestone


@pytest.fixture(autouse=True)
def english():
    """Messages raised by the services read in English, the source language."""
    with translation.override("en"):
        yield


@pytest.fixture
def facilitator(programme, manager_user) -> Manager:
    return selected_manager(programme, manager_user)


@pytest.fixture
def eligible_project(programme, sme_member, facilitator) -> Project:
    """An eligible project of the SME persona's company, facilitated by the manager persona."""
    return make_project(programme, manager=facilitator, member=sme_member)


@pytest.fixture
def approved_project(programme, sme_member, facilitator) -> Project:
    return make_project(programme, manager=facilitator, member=sme_member, status=ProjectStatus.APPROVED)


@pytest.fixture
def started_project(programme, sme_member, facilitator) -> Project:
    return make_project(programme, manager=facilitator, member=sme_member, status=ProjectStatus.STARTED)


@pytest.fixture
def second_administrator(db) -> User:
    return AdministratorFactory()
