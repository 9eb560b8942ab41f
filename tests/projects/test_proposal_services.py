"""Proposing a project and judging its eligibility: each service on its success path
and on each refusal."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from assessments.models import Assessment, AssessmentStatus
from programme.models import AuditEntry, Notification
from projects.checklist import JUDGEMENT_KEYS
from projects.models import Milestone, Project, ProjectStatus
from projects.proposal import services
from smes.models import Application, ApplicationStatus
from tests.factories import AdministratorFactory, ManagerFactory, SmeMemberFactory, StaffFactory
from tests.projects.proposal_fixtures import *  # noqa: F403
from tests.projects.proposal_fixtures import completed_assessment, fill_in, selected_manager

pytestmark = pytest.mark.django_db

ALL_CONFIRMED = dict.fromkeys(JUDGEMENT_KEYS, True)
SCORES = {"assessment_fit": 9, "feasibility": 7, "impact": 8, "digital_green": 6}


def events_of(user) -> list[str]:
    return list(Notification.objects.filter(recipient=user).order_by("pk").values_list("event", flat=True))


def declare_eligible(project: Project, by, **overrides) -> Project:
    arguments = {
        "project": project,
        "eligible": True,
        "reason": "Progetto coerente con l'assessment e sostenibile.",
        "judgement": ALL_CONFIRMED,
        "scores": SCORES,
        "by": by,
    }
    arguments.update(overrides)
    return services.eligibility_declare(**arguments)


# Proposing -----------------------------------------------------------------------------


def test_the_company_proposes_a_draft_from_its_completed_assessment(completed, sme_member):
    project = services.project_create(assessment=completed, by=sme_member)
    assert project.status == ProjectStatus.DRAFT
    assert project.programme == completed.programme
    # The draft starts from the outline of the report, with the assessment's manager.
    assert project.title == "Fabbrica connessa"
    assert project.total_cost == Decimal("65000")
    assert project.facilitator == completed.manager
    assert project.created_by == sme_member
    entry = AuditEntry.objects.get(action="created")
    assert (entry.to_status, entry.actor) == ("draft", sme_member)


def test_a_project_needs_a_completed_assessment(completed, sme_member):
    Assessment.objects.filter(pk=completed.pk).update(status=AssessmentStatus.SUBMITTED)
    with pytest.raises(ValidationError, match="completed assessment"):
        services.project_create(assessment=completed, by=sme_member)
    assert not Project.objects.exists()


def test_one_project_per_assessment(draft, completed, sme_member):
    with pytest.raises(ValidationError, match="already been proposed"):
        services.project_create(assessment=completed, by=sme_member)
    assert Project.objects.count() == 1


def test_only_the_companys_members_propose(completed, manager_user, staff_user):
    for person in (SmeMemberFactory(), manager_user, staff_user):
        with pytest.raises(PermissionDenied):
            services.project_create(assessment=completed, by=person)
    assert not Project.objects.exists()


# Writing the draft ----------------------------------------------------------------------


def test_the_company_and_the_assessments_manager_both_write_the_draft(
    draft, sme_member, manager_user, completed
):
    first, _second, third = completed.recommendations.all()
    services.project_save_general(
        project=draft,
        title="  Magazzino automatico  ",
        objectives="Ridurre le giacenze",
        recommendations=[first, third],
        facilitator=completed.manager,
        by=manager_user,
    )
    draft.refresh_from_db()
    assert draft.title == "Magazzino automatico"
    assert set(draft.recommendations.all()) == {first, third}
    services.project_save_costs(
        project=draft,
        total_cost=Decimal("50000"),
        financing_requested=None,
        own_share=None,
        by=sme_member,
    )
    draft.refresh_from_db()
    assert (draft.total_cost, draft.financing_requested) == (Decimal("50000"), None)


def test_nobody_else_writes_the_draft(draft, completed, staff_user, other_manager_user):
    ManagerFactory(programme=completed.programme, user=other_manager_user)
    for person in (SmeMemberFactory(), other_manager_user, staff_user, AdministratorFactory()):
        with pytest.raises(PermissionDenied):
            services.project_save_costs(
                project=draft, total_cost=Decimal("1"), financing_requested=None, own_share=None, by=person
            )


def test_recommendations_come_from_the_same_assessment(draft, sme_member, programme, completed):
    elsewhere = completed_assessment(programme).recommendations.first()
    with pytest.raises(ValidationError) as refused:
        services.project_save_general(
            project=draft,
            title="Titolo",
            objectives="",
            recommendations=[elsewhere],
            facilitator=completed.manager,
            by=sme_member,
        )
    assert "recommendations" in refused.value.error_dict


def test_the_facilitator_is_the_assessments_manager_or_a_selected_one(
    draft, sme_member, programme, completed
):
    other = selected_manager(programme)
    services.project_save_general(
        project=draft, title="Titolo", objectives="", recommendations=[], facilitator=other, by=sme_member
    )
    draft.refresh_from_db()
    assert draft.facilitator == other
    applied = ManagerFactory(programme=programme)  # applied, never selected
    with pytest.raises(ValidationError) as refused:
        services.project_save_general(
            project=draft,
            title="Titolo",
            objectives="",
            recommendations=[],
            facilitator=applied,
            by=sme_member,
        )
    assert "facilitator" in refused.value.error_dict


def test_a_title_is_required(draft, sme_member, completed):
    with pytest.raises(ValidationError) as refused:
        services.project_save_general(
            project=draft,
            title="  ",
            objectives="",
            recommendations=[],
            facilitator=completed.manager,
            by=sme_member,
        )
    assert "title" in refused.value.error_dict


def test_the_work_plan_is_saved_in_date_order_and_replaced_as_a_whole(draft, sme_member):
    today = timezone.localdate()
    plan = [
        services.MilestonePlan("Seconda", today + datetime.timedelta(days=90), Decimal("1000")),
        services.MilestonePlan("Prima", today + datetime.timedelta(days=30), Decimal("2000"), "Analisi"),
    ]
    services.project_save_plan(project=draft, milestones=plan, by=sme_member)
    assert list(draft.milestones.values_list("title", "position")) == [("Prima", 0), ("Seconda", 1)]
    services.project_save_plan(project=draft, milestones=plan[:1], by=sme_member)
    assert list(draft.milestones.values_list("title", flat=True)) == ["Seconda"]


def test_a_tranche_is_never_negative(draft, sme_member):
    plan = [services.MilestonePlan("Prima", timezone.localdate(), Decimal("-1"))]
    with pytest.raises(ValidationError):
        services.project_save_plan(project=draft, milestones=plan, by=sme_member)
    assert not Milestone.objects.exists()


def test_only_a_company_member_makes_the_de_minimis_declaration(draft, sme_member, manager_user):
    with pytest.raises(PermissionDenied):
        services.de_minimis_declare(project=draft, received=Decimal("0"), confirmed=True, by=manager_user)
    with pytest.raises(ValidationError) as refused:
        services.de_minimis_declare(project=draft, received=Decimal("0"), confirmed=False, by=sme_member)
    assert "confirmed" in refused.value.error_dict
    services.de_minimis_declare(project=draft, received=Decimal("12000"), confirmed=True, by=sme_member)
    draft.refresh_from_db()
    assert (draft.de_minimis_declared, draft.de_minimis_received, draft.declared_by) == (
        True,
        Decimal("12000"),
        sme_member,
    )
    assert AuditEntry.objects.filter(action="de_minimis_declared", actor=sme_member).exists()


# Submitting ------------------------------------------------------------------------------


def test_the_company_submits_a_complete_project_and_staff_are_told(ready, sme_member, staff_user):
    other_staff = StaffFactory()
    project = services.project_submit(project=ready, by=sme_member)
    assert project.status == ProjectStatus.SUBMITTED
    assert project.submitted_at is not None
    assert [item["check"] for item in project.checklist][:2] == ["assessment_completed", "cost_within_limits"]
    assert all(item["passed"] for item in project.checklist)
    assert events_of(staff_user) == ["proposal_submitted_staff"]
    assert events_of(other_staff) == ["proposal_submitted_staff"]
    entry = AuditEntry.objects.get(action="submitted")
    assert (entry.from_status, entry.to_status) == ("draft", "submitted")


def test_an_incomplete_project_is_not_submitted(draft, sme_member):
    with pytest.raises(ValidationError) as refused:
        services.project_submit(project=draft, by=sme_member)
    text = " ".join(refused.value.messages)
    assert "at least one milestone" in text
    assert "de minimis declaration" in text
    draft.refresh_from_db()
    assert draft.status == ProjectStatus.DRAFT


def test_the_tranches_must_make_the_financing_requested(ready, sme_member):
    Milestone.objects.filter(project=ready).update(tranche=Decimal("1"))
    with pytest.raises(ValidationError, match="tranches"):
        services.project_submit(project=ready, by=sme_member)


def test_the_shares_must_add_up_before_submitting(ready, sme_member):
    Project.objects.filter(pk=ready.pk).update(own_share=Decimal("1"))
    with pytest.raises(ValidationError, match="add up to the total cost"):
        services.project_submit(project=ready, by=sme_member)


def test_the_manager_does_not_submit_and_nothing_is_submitted_twice(ready, sme_member, manager_user):
    with pytest.raises(PermissionDenied):
        services.project_submit(project=ready, by=manager_user)
    services.project_submit(project=ready, by=sme_member)
    with pytest.raises(ValidationError, match="cannot become"):
        services.project_submit(project=ready, by=sme_member)


def test_a_submitted_project_is_no_longer_changed(submitted_project, sme_member):
    with pytest.raises(ValidationError, match="only a draft"):
        services.project_save_costs(
            project=submitted_project,
            total_cost=Decimal("1"),
            financing_requested=None,
            own_share=None,
            by=sme_member,
        )


# Eligibility -----------------------------------------------------------------------------


def test_staff_declare_a_sound_project_eligible_with_its_weighted_score(
    submitted_project, staff_user, sme_member, manager_user
):
    colleague = SmeMemberFactory()
    company = submitted_project.assessment.application.company
    company.memberships.create(user=colleague)
    project = declare_eligible(submitted_project, staff_user)
    assert project.status == ProjectStatus.ELIGIBLE
    # (9*0.30 + 7*0.25 + 8*0.25 + 6*0.20) = 7.65
    assert project.score == Decimal("7.65")
    assert project.criteria_scores == SCORES
    assert project.judgement == ALL_CONFIRMED
    assert project.eligibility_reason == "Progetto coerente con l'assessment e sostenibile."
    entry = AuditEntry.objects.get(action="declared_eligible")
    assert (entry.from_status, entry.to_status, entry.actor) == ("submitted", "eligible", staff_user)
    assert entry.reason == project.eligibility_reason
    for person in (sme_member, colleague, manager_user):
        assert events_of(person) == ["proposal_eligible"]
    notification = Notification.objects.get(recipient=sme_member)
    assert "Progetto coerente" in notification.body_text


def test_staff_declare_a_project_not_eligible_with_a_reason(submitted_project, staff_user, sme_member):
    project = services.eligibility_declare(
        project=submitted_project,
        eligible=False,
        reason="I costi non sono pertinenti.",
        judgement={},
        scores={},
        by=staff_user,
    )
    assert project.status == ProjectStatus.INELIGIBLE
    assert project.score is None
    assert events_of(sme_member) == ["proposal_ineligible"]
    assert AuditEntry.objects.get(action="declared_ineligible").reason == "I costi non sono pertinenti."


def test_a_reason_is_always_given(submitted_project, staff_user):
    for eligible in (True, False):
        with pytest.raises(ValidationError) as refused:
            declare_eligible(submitted_project, staff_user, eligible=eligible, reason="   ")
        assert "reason" in refused.value.error_dict


def test_eligible_needs_the_checks_of_judgement_and_every_score(submitted_project, staff_user):
    with pytest.raises(ValidationError) as refused:
        declare_eligible(
            submitted_project, staff_user, judgement={**ALL_CONFIRMED, "no_double_funding": False}
        )
    assert "judgement" in refused.value.error_dict
    with pytest.raises(ValidationError) as refused:
        declare_eligible(submitted_project, staff_user, scores={"assessment_fit": 9})
    assert "scores" in refused.value.error_dict
    submitted_project.refresh_from_db()
    assert submitted_project.status == ProjectStatus.SUBMITTED


def test_a_score_is_from_0_to_10(submitted_project, staff_user):
    with pytest.raises(ValidationError) as refused:
        declare_eligible(submitted_project, staff_user, scores={**SCORES, "impact": 11})
    assert "scores" in refused.value.error_dict


def test_eligible_is_refused_past_the_de_minimis_ceiling(draft, sme_member, staff_user):
    # 270,000 received + 40,000 requested = 310,000 > 300,000.
    project = fill_in(draft, sme_member, received=Decimal("270000"))
    services.project_submit(project=project, by=sme_member)
    with pytest.raises(ValidationError, match="de minimis ceiling"):
        declare_eligible(project, staff_user)
    # Not eligible remains possible, with the reason.
    services.eligibility_declare(
        project=project,
        eligible=False,
        reason="Massimale de minimis superato.",
        judgement={},
        scores={},
        by=staff_user,
    )


def test_eligible_is_refused_when_the_own_share_is_too_small(draft, sme_member, staff_user):
    project = fill_in(
        draft,
        sme_member,
        total_cost=Decimal("60000"),
        financing_requested=Decimal("45000"),
        own_share=Decimal("15000"),
    )
    services.project_submit(project=project, by=sme_member)
    with pytest.raises(ValidationError, match="own share"):
        declare_eligible(project, staff_user)


def test_eligible_is_refused_once_the_company_left_the_programme(submitted_project, staff_user):
    Application.objects.filter(pk=submitted_project.assessment.application_id).update(
        status=ApplicationStatus.WITHDRAWN
    )
    with pytest.raises(ValidationError, match="no longer enrolled"):
        declare_eligible(submitted_project, staff_user)


def test_only_staff_judge_eligibility(submitted_project, sme_member, manager_user, administrator_user):
    for person in (sme_member, manager_user, administrator_user):
        with pytest.raises(PermissionDenied):
            declare_eligible(submitted_project, person)
        with pytest.raises(PermissionDenied):
            services.eligibility_save(project=submitted_project, judgement={}, scores={}, by=person)


def test_only_a_submitted_project_is_judged(submitted_project, staff_user, programme):
    member = SmeMemberFactory()
    draft = services.project_create(assessment=completed_assessment(programme, member), by=member)
    with pytest.raises(ValidationError, match="cannot become"):
        declare_eligible(draft, staff_user)
    declare_eligible(submitted_project, staff_user)
    with pytest.raises(ValidationError, match="cannot become"):
        declare_eligible(submitted_project, staff_user, eligible=False)
    with pytest.raises(ValidationError):
        services.eligibility_save(project=submitted_project, judgement={}, scores={}, by=staff_user)


def test_staff_save_checks_and_scores_before_deciding(submitted_project, staff_user, sme_member):
    project = services.eligibility_save(
        project=submitted_project,
        judgement={"costs_pertinent": True, "unknown": True},
        scores={"assessment_fit": 8},
        by=staff_user,
    )
    assert project.status == ProjectStatus.SUBMITTED
    assert project.judgement == {
        "costs_pertinent": True,
        "milestones_credible": False,
        "recommendations_taken_up": False,
        "no_double_funding": False,
    }
    assert project.criteria_scores == {"assessment_fit": 8}
    assert project.score is None
    assert events_of(sme_member) == []
