"""The demo's projects: ten of the completed assessments go on to a project, all eligible,
approved within the envelope and started, the counters consistent, the same at every rebuild.

The rebuild of the whole demo creates them, after the assessments."""

from __future__ import annotations

import json
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Sum

from programme.home import demo as home_demo
from programme.models import AuditEntry, Programme
from programme.roles import Role
from projects import checklist
from projects import demo as project_demo
from projects.models import Approval, Milestone, MilestoneStatus, Project, ProjectStatus

pytestmark = pytest.mark.django_db


def seed():
    return home_demo.rebuild()


def fingerprint(programme: Programme) -> list[tuple]:
    return list(
        Project.objects.filter(programme=programme)
        .order_by("assessment__application__company__vat_number")
        .values_list(
            "assessment__application__company__vat_number",
            "title",
            "total_cost",
            "financing_requested",
            "amount_granted",
            "amount_paid",
            "score",
            "cup_code",
            "started_on",
        )
    )


def test_ten_projects_eligible_approved_and_started_within_the_envelope():
    context = seed()
    programme = context.programme
    programme.refresh_from_db()
    projects = list(
        Project.objects.filter(programme=programme).prefetch_related("milestones", "recommendations")
    )
    assert len(projects) == 10
    assert {project.status for project in projects} == {ProjectStatus.STARTED}

    granted = Project.objects.filter(programme=programme).aggregate(total=Sum("amount_granted"))["total"]
    assert programme.committed_projects == 10
    assert programme.committed_amount == granted <= programme.envelope_amount

    for project in projects:
        assert project.assessment.status == "completed"
        assert checklist.all_passed([checklist.CheckResult(**item) for item in project.checklist])
        assert checklist.judgement_complete(project.judgement)
        assert project.score is not None
        assert programme.project_cost_min <= project.total_cost <= programme.project_cost_max
        assert project.financing_requested + project.own_share == project.total_cost
        assert project.own_share * 100 >= project.total_cost * programme.own_share_min_percent
        assert project.de_minimis_received + project.financing_requested <= programme.de_minimis_ceiling
        assert project.amount_paid <= project.amount_granted <= project.financing_requested
        assert len(project.cup_code) == 15 and project.state_aid_code
        milestones = list(project.milestones.all())
        assert 3 <= len(milestones) <= 5
        assert sum(milestone.tranche for milestone in milestones) == project.financing_requested
        assert project.recommendations.all()
        assert all(item.assessment_id == project.assessment_id for item in project.recommendations.all())
        assert project.started_on <= project_demo.AS_OF
        assert project.facilitator_id == project.assessment.manager_id

    assert Approval.objects.filter(project__programme=programme).count() == 10
    assert set(Approval.objects.values_list("administrator", flat=True)) == {
        context.accounts[Role.ADMINISTRATOR].pk
    }
    assert Milestone.objects.filter(project__programme=programme, status=MilestoneStatus.PAID).exists()
    assert Milestone.objects.filter(project__programme=programme, status=MilestoneStatus.REACHED).exists()
    paid = Project.objects.filter(programme=programme).aggregate(total=Sum("amount_paid"))["total"]
    assert paid > Decimal("0")
    # The history of each project, from the draft to the start.
    actions = set(
        AuditEntry.objects.filter(object_id=str(projects[0].pk), programme=programme).values_list(
            "action", flat=True
        )
    )
    assert {"created", "submitted", "declared_eligible", "approved", "codes_recorded", "started"} <= actions
    # The personas each see a project under way.
    sme_persona = context.accounts[Role.SME_MEMBER]
    assert Project.objects.filter(assessment__application__company__memberships__user=sme_persona).exists()

    output = StringIO()
    call_command("stats", "--json", stdout=output)
    figures = json.loads(output.getvalue())
    assert (figures["projects_eligible"], figures["projects_approved"], figures["projects_started"]) == (
        10,
        10,
        10,
    )


def test_the_demo_projects_are_the_same_at_every_rebuild():
    first = fingerprint(seed().programme)
    second = fingerprint(seed().programme)
    assert first == second
    assert len(first) == 10
