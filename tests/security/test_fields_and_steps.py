"""Fields a role may not set are ignored, and workflow steps cannot be skipped by posting
to a later step's address."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from assessments.models import Assessment, AssessmentStatus
from managers.models import Manager
from programme.models import AuditEntry, Programme
from projects.models import Project, ProjectStatus
from smes.models import Application, ApplicationStatus, ApplicationStep
from tests.assessments.conftest import enrolled, selected
from tests.assessments.review_fixtures import full_report, make_assessment
from tests.conftest import sign_in
from tests.factories import ApplicationFactory, CompanyFactory
from tests.managers.test_views_pages import profile_post
from tests.projects.financing_fixtures import make_project
from tests.projects.proposal_fixtures import *  # noqa: F403

pytestmark = pytest.mark.django_db

# What an SME, a manager or anyone outside staff and the committee may never set.
FORBIDDEN = {
    "status": "enrolled",
    "manager": "1",
    "manager_id": "1",
    "programme": "999",
    "assessment_quota": "1000",
    "quota": "1000",
    "amount_granted": "999999",
    "committed_amount": "0",
    "score": "10",
    "merit_score": "5",
    "open_assessments": "0",
    "size_class": "micro",
    "eligibility_results": "[]",
    "submitted_at": "2020-01-01T00:00:00Z",
}


def stored(instance, *fields: str) -> dict:
    return {field: getattr(type(instance).objects.get(pk=instance.pk), field) for field in fields}


def test_an_sme_posting_status_quota_and_amounts_with_a_step_changes_none_of_them(programme, sme_member):
    application = ApplicationFactory(programme=programme, company=CompanyFactory(member=sme_member))
    fields = ("status", "programme_id", "size_class", "eligibility_results", "submitted_at")
    before = stored(application, *fields)
    client = sign_in(Client(), sme_member)
    response = client.post(
        reverse("smes:application_step", args=[application.pk, "esigenze"]),
        {
            "needs": ["digital_strategy"],
            "needs_description": "Vogliamo collegare le macchine della linea al gestionale, "
            "misurare i fermi e pianificare la produzione sui dati reali, con il personale formato.",
            "preferred_period": "within_3_months",
            "period_notes": "",
            **FORBIDDEN,
        },
    )
    assert response.status_code == 302
    assert stored(application, *fields) == before
    assert stored(application, "needs") == {"needs": ["digital_strategy"]}
    programme.refresh_from_db()
    assert (programme.assessment_quota, programme.enrolled_count) == (
        Programme.objects.get(pk=programme.pk).assessment_quota,
        0,
    )
    assert programme.assessment_quota != 1000


def test_an_sme_posting_the_granted_amount_and_status_with_its_costs_changes_neither(draft, sme_member):
    client = sign_in(Client(), sme_member)
    response = client.post(
        reverse("proposal:edit", args=[draft.pk, "costi"]),
        {"total_cost": "60000", "financing_requested": "40000", "own_share": "20000", **FORBIDDEN},
    )
    assert response.status_code == 302
    project = Project.objects.get(pk=draft.pk)
    assert project.financing_requested == Decimal("40000")
    assert (project.status, project.amount_granted, project.score) == (ProjectStatus.DRAFT, None, None)
    assert project.assessment.manager_id == draft.assessment.manager_id


def test_a_manager_posting_status_merit_and_counters_with_the_profile_changes_none_of_them(
    programme, manager_user
):
    manager = selected(programme, ["MI"], capacity=2, user=manager_user)
    fields = ("status", "merit_score", "open_assessments", "programme_id", "user_id")
    before = stored(manager, *fields)
    client = sign_in(Client(), manager_user)
    response = client.post(
        reverse("managers:profile_edit"), {**profile_post(), **FORBIDDEN, "status": "applied"}
    )
    assert response.status_code == 302
    assert stored(manager, *fields) == before
    # A capacity beyond what the programme allows is refused beside the field, not stored.
    refused = client.post(reverse("managers:profile_edit"), profile_post(capacity="50"))
    assert refused.status_code == 200 and "capacity" in refused.context["form"].errors
    assert Manager.objects.get(pk=manager.pk).capacity == 2


def test_a_manager_posting_status_and_manager_with_the_draft_changes_neither(programme, manager_user):
    manager = selected(programme, ["MI"], capacity=2, user=manager_user)
    other = selected(programme, ["MI"], capacity=2)
    assessment = make_assessment(enrolled(programme, "MI", "Milano"), manager)
    client = sign_in(Client(), manager_user)
    response = client.post(
        reverse("work:draft", args=[assessment.pk]),
        {
            "summary-summary": "Sintesi",
            "status": "completed",
            "manager": str(other.pk),
            "completed_at": "2020-01-01",
        },
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 200
    saved = Assessment.objects.get(pk=assessment.pk)
    assert (saved.status, saved.manager_id, saved.completed_at, saved.summary) == (
        AssessmentStatus.IN_PROGRESS,
        manager.pk,
        None,
        "Sintesi",
    )


def test_an_sme_answering_a_visit_cannot_move_the_days_or_the_assessment(programme, sme_member):
    manager = selected(programme, ["MI"], capacity=2)
    application = ApplicationFactory(
        programme=programme, status=ApplicationStatus.ENROLLED, company=CompanyFactory(member=sme_member)
    )
    assessment = full_report(make_assessment(application, manager))
    visit = assessment.visits.order_by("pk").first()
    before = stored(visit, "duration", "held_on", "assessment_id")
    client = sign_in(Client(), sme_member)
    client.post(
        reverse("work:visit_answer", args=[visit.pk]),
        {
            f"visit-{visit.pk}-answer": "confirm",
            "duration": "0.5",
            "held_on": "2020-01-01",
            "status": "completed",
        },
    )
    assert stored(visit, "duration", "held_on", "assessment_id") == before
    assert Assessment.objects.get(pk=assessment.pk).status == AssessmentStatus.IN_PROGRESS


# Workflow steps ------------------------------------------------------------------------------


def test_an_application_cannot_be_submitted_before_its_steps_are_done(programme, sme_member):
    application = ApplicationFactory(
        programme=programme,
        company=CompanyFactory(member=sme_member),
        steps_done=[ApplicationStep.COMPANY],
        privacy_accepted=False,
        declares_truthful=False,
    )
    client = sign_in(Client(), sme_member)
    client.post(reverse("smes:application_submit", args=[application.pk]))
    saved = Application.objects.get(pk=application.pk)
    assert (saved.status, saved.submitted_at) == (ApplicationStatus.DRAFT, None)


def test_the_declarations_cannot_be_made_before_the_people_step(programme, sme_member):
    application = ApplicationFactory(
        programme=programme,
        company=CompanyFactory(member=sme_member),
        steps_done=[ApplicationStep.COMPANY],
        legal_representative_first_name="",
        legal_representative_last_name="",
        privacy_accepted=False,
        declares_sme=False,
    )
    client = sign_in(Client(), sme_member)
    response = client.post(
        reverse("smes:application_step", args=[application.pk, "dichiarazioni"]),
        {
            name: "on"
            for name in (
                "privacy_accepted",
                "declares_sme",
                "declares_not_in_difficulty",
                "declares_de_minimis",
                "declares_truthful",
            )
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("smes:application_step", args=[application.pk, "referenti"])
    saved = Application.objects.get(pk=application.pk)
    assert (saved.privacy_accepted, saved.declares_sme) == (False, False)


def test_staff_cannot_enrol_an_application_that_was_never_judged_eligible(
    programme, staff_client, sme_member
):
    application = ApplicationFactory(
        programme=programme, company=CompanyFactory(member=sme_member), status=ApplicationStatus.SUBMITTED
    )
    staff_client.post(reverse("smes:staff_enrol", args=[application.pk]))
    assert Application.objects.get(pk=application.pk).status == ApplicationStatus.SUBMITTED
    assert Programme.objects.get(pk=programme.pk).enrolled_count == 0


@pytest.mark.parametrize(
    ("status", "answer"),
    # An assessment not yet accepted has no workspace (404); an accepted one has not started (403).
    [(AssessmentStatus.ASSIGNED, 404), (AssessmentStatus.ACCEPTED, 403)],
)
def test_a_report_cannot_be_submitted_before_the_work_has_started(programme, manager_user, status, answer):
    manager = selected(programme, ["MI"], capacity=2, user=manager_user)
    assessment = make_assessment(enrolled(programme, "MI", "Milano"), manager, status)
    client = sign_in(Client(), manager_user)
    response = client.post(reverse("work:submit", args=[assessment.pk]))
    assert response.status_code == answer
    assert Assessment.objects.get(pk=assessment.pk).status == status


def test_an_assessment_cannot_be_validated_before_its_report_is_submitted(programme, staff_client):
    assessment = full_report(
        make_assessment(enrolled(programme, "MI", "Milano"), selected(programme, ["MI"], 2))
    )
    assert staff_client.post(reverse("review:complete", args=[assessment.pk])).status_code == 403
    assert Assessment.objects.get(pk=assessment.pk).status == AssessmentStatus.IN_PROGRESS


def test_an_incomplete_report_cannot_be_submitted(programme, manager_user):
    manager = selected(programme, ["MI"], capacity=2, user=manager_user)
    assessment = make_assessment(enrolled(programme, "MI", "Milano"), manager)
    client = sign_in(Client(), manager_user)
    client.post(reverse("work:submit", args=[assessment.pk]))
    assert Assessment.objects.get(pk=assessment.pk).status == AssessmentStatus.IN_PROGRESS


def test_a_project_draft_cannot_be_judged_approved_or_started(draft, staff_client, administrator_client):
    assert staff_client.post(
        reverse("proposal:staff_judge", args=[draft.pk]), {"decision": "eligible", "reason": ""}
    ).status_code in (403, 404)
    assert (
        administrator_client.post(
            reverse("financing:approve", args=[draft.pk]), {"amount": "1000"}
        ).status_code
        == 404
    )
    assert (
        staff_client.post(
            reverse("financing:start", args=[draft.pk]), {"started_on": "2026-05-01"}
        ).status_code
        == 404
    )
    assert Project.objects.get(pk=draft.pk).status == ProjectStatus.DRAFT


def test_an_incomplete_project_cannot_be_submitted(draft, sme_member):
    client = sign_in(Client(), sme_member)
    client.post(reverse("proposal:submit", args=[draft.pk]))
    assert Project.objects.get(pk=draft.pk).status == ProjectStatus.DRAFT


def test_a_submitted_project_cannot_be_approved_before_it_is_judged_eligible(
    submitted_project, administrator_client, programme
):
    response = administrator_client.post(
        reverse("financing:approve", args=[submitted_project.pk]), {"amount": "40000"}
    )
    assert response.status_code == 404  # not yet among the projects the committee sees
    assert Project.objects.get(pk=submitted_project.pk).status == ProjectStatus.SUBMITTED
    assert Programme.objects.get(pk=programme.pk).committed_amount == 0


def test_an_eligible_project_cannot_be_started_or_paid_before_approval(programme, staff_client, manager_user):
    project = make_project(programme, status=ProjectStatus.ELIGIBLE)
    assert (
        staff_client.post(
            reverse("financing:start", args=[project.pk]), {"started_on": "2026-05-01"}
        ).status_code
        == 403
    )
    milestone = project.milestones.first()
    paid = staff_client.post(
        reverse("financing:milestone_pay", args=[project.pk, milestone.pk]),
        {f"milestone-{milestone.pk}-amount": "20000"},
    )
    assert paid.status_code == 403
    assert Project.objects.get(pk=project.pk).status == ProjectStatus.ELIGIBLE
    assert not AuditEntry.objects.filter(
        object_id=str(project.pk), action__in=["started", "tranche_paid"]
    ).exists()
