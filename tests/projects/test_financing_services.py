"""The administrators' decisions within the envelope, the two-administrator rule, recusal,
and the life of a financed project: codes, start, tranches, final report, close, revoke."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from programme.models import AuditEntry, Notification, Programme
from projects.financing import services
from projects.models import Approval, MilestoneStatus, Project, ProjectStatus, Recusal
from tests.factories import AdministratorFactory, SmeMemberFactory
from tests.projects.financing_fixtures import *  # noqa: F403
from tests.projects.financing_fixtures import make_project, reach

pytestmark = pytest.mark.django_db


def events_of(user) -> list[str]:
    return list(Notification.objects.filter(recipient=user).order_by("pk").values_list("event", flat=True))


def refresh(*objects) -> None:
    for obj in objects:
        obj.refresh_from_db()


def two_administrators(programme: Programme) -> None:
    Programme.objects.filter(pk=programme.pk).update(two_administrators_required=True)
    programme.refresh_from_db()


# Single approval ---------------------------------------------------------------------


def test_approving_commits_the_amount_and_one_project_of_the_envelope(
    eligible_project, programme, administrator_user, sme_member, manager_user, staff_user
):
    services.project_approve(project=eligible_project, amount=Decimal("55000"), by=administrator_user)
    refresh(eligible_project, programme)
    assert eligible_project.status == ProjectStatus.APPROVED
    assert eligible_project.amount_granted == Decimal("55000.00")
    assert eligible_project.decided_at is not None
    assert (programme.committed_projects, programme.committed_amount) == (1, Decimal("55000.00"))
    assert Approval.objects.get(project=eligible_project).administrator == administrator_user
    entry = AuditEntry.objects.get(action="approved")
    assert (entry.from_status, entry.to_status, entry.actor) == ("eligible", "approved", administrator_user)
    assert events_of(sme_member) == ["financing_approved"]
    assert events_of(manager_user) == ["financing_approved"]
    assert events_of(staff_user) == ["financing_approved_staff"]
    notification = Notification.objects.get(recipient=sme_member)
    assert "55.000,00" in notification.body_text  # the member reads Italian


def test_approval_is_refused_above_the_financing_requested(eligible_project, programme, administrator_user):
    with pytest.raises(ValidationError) as error:
        services.project_approve(project=eligible_project, amount=Decimal("60000.01"), by=administrator_user)
    assert "amount" in error.value.message_dict
    refresh(eligible_project, programme)
    assert eligible_project.status == ProjectStatus.ELIGIBLE
    assert programme.committed_amount == 0


def test_approval_is_refused_above_what_the_envelope_has_left(
    eligible_project, programme, administrator_user
):
    Programme.objects.filter(pk=programme.pk).update(committed_amount=programme.envelope_amount - 50000)
    with pytest.raises(ValidationError) as error:
        services.project_approve(project=eligible_project, amount=Decimal("50000.01"), by=administrator_user)
    assert "only € 50,000.00 left" in error.value.message_dict["amount"][0]
    services.project_approve(project=eligible_project, amount=Decimal("50000"), by=administrator_user)
    programme.refresh_from_db()
    assert programme.amount_left == 0


def test_approval_is_refused_when_no_project_is_left_in_the_envelope(
    eligible_project, programme, administrator_user
):
    Programme.objects.filter(pk=programme.pk).update(committed_projects=programme.envelope_projects)
    with pytest.raises(ValidationError, match="no project left"):
        services.project_approve(project=eligible_project, amount=Decimal("1000"), by=administrator_user)


@pytest.mark.parametrize("amount", [None, Decimal("0"), Decimal("-5")])
def test_approval_needs_a_positive_amount(eligible_project, administrator_user, amount):
    with pytest.raises(ValidationError) as error:
        services.project_approve(project=eligible_project, amount=amount, by=administrator_user)
    assert "amount" in error.value.message_dict


def test_only_administrators_decide(eligible_project, staff_user, sme_member, manager_user):
    for person in (staff_user, sme_member, manager_user):
        with pytest.raises(PermissionDenied):
            services.project_approve(project=eligible_project, amount=Decimal("1000"), by=person)
        with pytest.raises(PermissionDenied):
            services.project_reject(project=eligible_project, reason="No.", by=person)
    eligible_project.refresh_from_db()
    assert eligible_project.status == ProjectStatus.ELIGIBLE


@pytest.mark.parametrize(
    "status", [ProjectStatus.SUBMITTED, ProjectStatus.INELIGIBLE, ProjectStatus.REJECTED, ProjectStatus.DRAFT]
)
def test_only_an_eligible_project_can_be_decided(programme, administrator_user, status):
    project = make_project(programme, status=status)
    with pytest.raises(ValidationError):
        services.project_approve(project=project, amount=Decimal("1000"), by=administrator_user)
    with pytest.raises(ValidationError):
        services.project_reject(project=project, reason="No.", by=administrator_user)


def test_an_approved_project_cannot_be_approved_again(approved_project, programme, second_administrator):
    with pytest.raises(ValidationError):
        services.project_approve(project=approved_project, amount=Decimal("1000"), by=second_administrator)
    programme.refresh_from_db()
    assert programme.committed_projects == 1


# Rejection ---------------------------------------------------------------------------


def test_rejecting_tells_the_company_why_and_commits_nothing(
    eligible_project, programme, administrator_user, sme_member, manager_user
):
    services.project_reject(
        project=eligible_project, reason="  Costi non pertinenti.  ", by=administrator_user
    )
    refresh(eligible_project, programme)
    assert eligible_project.status == ProjectStatus.REJECTED
    assert eligible_project.decision_reason == "Costi non pertinenti."
    assert programme.committed_amount == 0
    assert events_of(sme_member) == ["financing_rejected"]
    assert events_of(manager_user) == ["financing_rejected"]
    assert "Costi non pertinenti." in Notification.objects.get(recipient=sme_member).body_text


def test_rejecting_needs_a_reason(eligible_project, administrator_user):
    with pytest.raises(ValidationError) as error:
        services.project_reject(project=eligible_project, reason="   ", by=administrator_user)
    assert "reason" in error.value.message_dict


# Two administrators ------------------------------------------------------------------


def test_with_two_administrators_the_first_approval_waits_for_a_second(
    eligible_project, programme, administrator_user, second_administrator
):
    two_administrators(programme)
    recused = AdministratorFactory()
    services.project_declare_conflict(project=eligible_project, reason="Parente socio.", by=recused)
    services.project_approve(project=eligible_project, amount=Decimal("50000"), by=administrator_user)
    refresh(eligible_project, programme)
    assert eligible_project.status == ProjectStatus.AWAITING_SECOND_APPROVAL
    assert eligible_project.amount_granted is None
    assert (programme.committed_projects, programme.committed_amount) == (0, 0)
    assert events_of(second_administrator) == ["financing_second_approval"]
    assert events_of(administrator_user) == []
    assert events_of(recused) == []

    services.project_approve(project=eligible_project, by=second_administrator)
    refresh(eligible_project, programme)
    assert eligible_project.status == ProjectStatus.APPROVED
    assert eligible_project.amount_granted == Decimal("50000.00")
    assert (programme.committed_projects, programme.committed_amount) == (1, Decimal("50000.00"))
    assert set(Approval.objects.values_list("administrator", flat=True)) == {
        administrator_user.pk,
        second_administrator.pk,
    }


def test_the_same_administrator_cannot_give_both_approvals(eligible_project, programme, administrator_user):
    two_administrators(programme)
    services.project_approve(project=eligible_project, amount=Decimal("50000"), by=administrator_user)
    with pytest.raises(ValidationError, match="already given your decision"):
        services.project_approve(project=eligible_project, by=administrator_user)
    with pytest.raises(ValidationError, match="already given your decision"):
        services.project_reject(project=eligible_project, reason="Ci ho ripensato.", by=administrator_user)
    eligible_project.refresh_from_db()
    assert eligible_project.status == ProjectStatus.AWAITING_SECOND_APPROVAL


def test_the_second_administrator_confirms_the_first_amount(
    eligible_project, programme, administrator_user, second_administrator
):
    two_administrators(programme)
    services.project_approve(project=eligible_project, amount=Decimal("50000"), by=administrator_user)
    with pytest.raises(ValidationError) as error:
        services.project_approve(project=eligible_project, amount=Decimal("45000"), by=second_administrator)
    assert "confirm that amount" in error.value.message_dict["amount"][0]
    services.project_approve(project=eligible_project, amount=Decimal("50000"), by=second_administrator)
    eligible_project.refresh_from_db()
    assert eligible_project.status == ProjectStatus.APPROVED


def test_the_second_approval_checks_the_envelope_again(
    eligible_project, programme, administrator_user, second_administrator
):
    two_administrators(programme)
    services.project_approve(project=eligible_project, amount=Decimal("50000"), by=administrator_user)
    # Meanwhile other projects took the envelope.
    Programme.objects.filter(pk=programme.pk).update(committed_amount=programme.envelope_amount - 10000)
    with pytest.raises(ValidationError, match=r"only € 10,000\.00 left"):
        services.project_approve(project=eligible_project, by=second_administrator)
    eligible_project.refresh_from_db()
    assert eligible_project.status == ProjectStatus.AWAITING_SECOND_APPROVAL
    assert not Approval.objects.filter(administrator=second_administrator).exists()


def test_a_second_administrator_may_reject_after_a_first_approval(
    eligible_project, programme, administrator_user, second_administrator
):
    two_administrators(programme)
    services.project_approve(project=eligible_project, amount=Decimal("50000"), by=administrator_user)
    services.project_reject(project=eligible_project, reason="Piano poco credibile.", by=second_administrator)
    refresh(eligible_project, programme)
    assert eligible_project.status == ProjectStatus.REJECTED
    assert programme.committed_amount == 0


# Recusal -----------------------------------------------------------------------------


def test_a_recused_administrator_takes_no_part_in_the_decision(eligible_project, administrator_user):
    recusal = services.project_declare_conflict(
        project=eligible_project, reason="Consulente dell'impresa.", by=administrator_user
    )
    assert recusal.administrator == administrator_user
    assert AuditEntry.objects.filter(action="conflict_declared", reason="Consulente dell'impresa.").exists()
    with pytest.raises(PermissionDenied):
        services.project_approve(project=eligible_project, amount=Decimal("1000"), by=administrator_user)
    with pytest.raises(PermissionDenied):
        services.project_reject(project=eligible_project, reason="No.", by=administrator_user)
    with pytest.raises(PermissionDenied):
        services.project_declare_conflict(project=eligible_project, reason="Di nuovo.", by=administrator_user)
    eligible_project.refresh_from_db()
    assert eligible_project.status == ProjectStatus.ELIGIBLE


def test_a_conflict_needs_its_nature_and_a_project_awaiting_a_decision(
    eligible_project, programme, administrator_user
):
    approved_project = make_project(programme, status=ProjectStatus.APPROVED)
    with pytest.raises(ValidationError):
        services.project_declare_conflict(project=eligible_project, reason=" ", by=administrator_user)
    with pytest.raises(ValidationError):
        services.project_declare_conflict(project=approved_project, reason="Parente.", by=administrator_user)
    assert not Recusal.objects.exists()


def test_an_administrator_who_decided_cannot_then_declare_a_conflict(
    eligible_project, programme, administrator_user
):
    two_administrators(programme)
    services.project_approve(project=eligible_project, amount=Decimal("1000"), by=administrator_user)
    with pytest.raises(ValidationError):
        services.project_declare_conflict(project=eligible_project, reason="Parente.", by=administrator_user)


# Codes and start ---------------------------------------------------------------------


def test_staff_record_the_codes_and_start_the_project(approved_project, staff_user, sme_member, manager_user):
    services.project_record_codes(
        project=approved_project, cup_code=" j41b26000120007 ", state_aid_code="12345678", by=staff_user
    )
    approved_project.refresh_from_db()
    assert (approved_project.cup_code, approved_project.state_aid_code) == ("J41B26000120007", "12345678")
    today = timezone.localdate()
    services.project_start(project=approved_project, started_on=today, by=staff_user)
    approved_project.refresh_from_db()
    assert approved_project.status == ProjectStatus.STARTED
    assert approved_project.started_on == today
    assert events_of(sme_member) == ["financing_started"]
    assert events_of(manager_user) == ["financing_started"]


@pytest.mark.parametrize(
    ("cup", "state_aid", "field"),
    [
        ("J41B2600012000", "123", "cup_code"),
        ("141B26000120007", "123", "cup_code"),
        ("J41B26000120007", "", "state_aid_code"),
    ],
)
def test_malformed_codes_are_refused_beside_their_field(approved_project, staff_user, cup, state_aid, field):
    with pytest.raises(ValidationError) as error:
        services.project_record_codes(
            project=approved_project, cup_code=cup, state_aid_code=state_aid, by=staff_user
        )
    assert field in error.value.message_dict


def test_a_project_starts_only_with_its_codes(approved_project, staff_user):
    with pytest.raises(ValidationError, match="CUP"):
        services.project_start(project=approved_project, started_on=timezone.localdate(), by=staff_user)


def test_a_project_cannot_start_before_its_approval(approved_project, staff_user):
    services.project_record_codes(
        project=approved_project, cup_code="J41B26000120007", state_aid_code="123", by=staff_user
    )
    with pytest.raises(ValidationError) as error:
        services.project_start(
            project=approved_project,
            started_on=timezone.localdate() - datetime.timedelta(days=30),
            by=staff_user,
        )
    assert "started_on" in error.value.message_dict


def test_only_staff_record_codes_and_start(approved_project, administrator_user, sme_member):
    for person in (administrator_user, sme_member):
        with pytest.raises(PermissionDenied):
            services.project_record_codes(
                project=approved_project, cup_code="J41B26000120007", state_aid_code="1", by=person
            )
        with pytest.raises(PermissionDenied):
            services.project_start(project=approved_project, started_on=timezone.localdate(), by=person)


def test_an_eligible_project_cannot_start(eligible_project, staff_user):
    with pytest.raises(ValidationError):
        services.project_start(project=eligible_project, started_on=timezone.localdate(), by=staff_user)


# Milestones and tranches -------------------------------------------------------------


def test_the_company_reports_a_milestone_and_staff_pay_its_tranche(
    started_project, sme_member, staff_user, manager_user
):
    milestone = started_project.milestones.first()
    services.milestone_report_reached(milestone=milestone, evidence="Collaudo firmato.", by=sme_member)
    milestone.refresh_from_db()
    assert milestone.status == MilestoneStatus.REACHED
    assert events_of(staff_user) == ["financing_milestone_reached"]
    services.milestone_pay(milestone=milestone, amount=Decimal("20000"), by=staff_user)
    refresh(milestone, started_project)
    assert milestone.status == MilestoneStatus.PAID
    assert milestone.checked_by == staff_user
    assert started_project.amount_paid == Decimal("20000.00")
    assert events_of(sme_member) == ["financing_tranche_paid"]
    assert events_of(manager_user) == ["financing_tranche_paid"]
    assert AuditEntry.objects.filter(action="tranche_paid", data__amount="20000.00").exists()


def test_the_facilitating_manager_may_report_a_milestone(started_project, manager_user):
    milestone = started_project.milestones.first()
    services.milestone_report_reached(
        milestone=milestone, evidence="Software in produzione.", by=manager_user
    )
    milestone.refresh_from_db()
    assert milestone.status == MilestoneStatus.REACHED


def test_another_company_cannot_report_a_milestone(started_project):
    with pytest.raises(PermissionDenied):
        services.milestone_report_reached(
            milestone=started_project.milestones.first(), evidence="Fatto.", by=SmeMemberFactory()
        )


def test_a_milestone_is_reported_once_and_only_on_a_started_project(
    started_project, programme, facilitator, sme_member, manager_user
):
    approved_project = make_project(programme, manager=facilitator, status=ProjectStatus.APPROVED)
    milestone = started_project.milestones.first()
    services.milestone_report_reached(milestone=milestone, evidence="Fatto.", by=sme_member)
    with pytest.raises(ValidationError):
        services.milestone_report_reached(milestone=milestone, evidence="Ancora.", by=sme_member)
    with pytest.raises(ValidationError):
        services.milestone_report_reached(
            milestone=approved_project.milestones.first(), evidence="Fatto.", by=manager_user
        )


def test_a_tranche_never_pays_more_than_was_granted(programme, sme_member, facilitator, staff_user):
    project = make_project(
        programme,
        manager=facilitator,
        member=sme_member,
        status=ProjectStatus.STARTED,
        granted="50000",
        tranches=("30000", "30000"),
    )
    first, second = project.milestones.all()
    reach(first)
    reach(second)
    services.milestone_pay(milestone=first, amount=Decimal("30000"), by=staff_user)
    with pytest.raises(ValidationError) as error:
        services.milestone_pay(milestone=second, amount=Decimal("20000.01"), by=staff_user)
    assert "20,000.00" in error.value.message_dict["amount"][0]
    project.refresh_from_db()
    assert services.suggested_payment(project, second) == Decimal("20000.00")
    services.milestone_pay(milestone=second, amount=Decimal("20000"), by=staff_user)
    project.refresh_from_db()
    assert project.amount_paid == project.amount_granted == Decimal("50000.00")


def test_the_database_refuses_a_payment_past_the_amount_granted(started_project):
    with pytest.raises(IntegrityError), transaction.atomic():
        Project.objects.filter(pk=started_project.pk).update(amount_paid=started_project.amount_granted + 1)


def test_suggested_payment_scales_the_tranche_when_less_was_granted(programme):
    project = make_project(programme, status=ProjectStatus.STARTED, requested="60000", granted="30000")
    assert services.suggested_payment(project, project.milestones.first()) == Decimal("10000.00")


def test_only_a_reached_milestone_is_paid_and_only_by_staff(started_project, staff_user, administrator_user):
    milestone = started_project.milestones.first()
    with pytest.raises(ValidationError):
        services.milestone_pay(milestone=milestone, amount=Decimal("1"), by=staff_user)
    reach(milestone)
    with pytest.raises(PermissionDenied):
        services.milestone_pay(milestone=milestone, amount=Decimal("1"), by=administrator_user)


# Final report and closing ------------------------------------------------------------


def test_closing_returns_the_unpaid_rest_to_the_envelope(started_project, programme, sme_member, staff_user):
    milestone = reach(started_project.milestones.first())
    services.milestone_pay(milestone=milestone, amount=Decimal("20000"), by=staff_user)
    services.project_submit_final_report(
        project=started_project, report="Obiettivi raggiunti.", by=sme_member
    )
    assert events_of(staff_user)[-1] == "financing_final_report"
    services.project_close(project=started_project, by=staff_user)
    refresh(started_project, programme)
    assert started_project.status == ProjectStatus.CLOSED
    assert (programme.committed_projects, programme.committed_amount) == (1, Decimal("20000.00"))
    assert events_of(sme_member)[-1] == "financing_closed"


def test_closing_needs_the_final_report_and_no_milestone_left_to_check(
    started_project, sme_member, staff_user
):
    with pytest.raises(ValidationError, match="final report"):
        services.project_close(project=started_project, by=staff_user)
    reach(started_project.milestones.first())
    services.project_submit_final_report(project=started_project, report="Fatto.", by=sme_member)
    with pytest.raises(ValidationError, match="reported as reached"):
        services.project_close(project=started_project, by=staff_user)


def test_the_final_report_is_the_companys_and_needs_text(started_project, staff_user, sme_member):
    with pytest.raises(PermissionDenied):
        services.project_submit_final_report(project=started_project, report="Fatto.", by=staff_user)
    with pytest.raises(ValidationError):
        services.project_submit_final_report(project=started_project, report="  ", by=sme_member)


# Revocation --------------------------------------------------------------------------


def test_revoking_releases_what_was_not_paid(
    started_project, programme, administrator_user, staff_user, sme_member
):
    milestone = reach(started_project.milestones.first())
    services.milestone_pay(milestone=milestone, amount=Decimal("20000"), by=staff_user)
    other = make_project(programme, status=ProjectStatus.APPROVED, requested="30000")
    programme.refresh_from_db()
    assert (programme.committed_projects, programme.committed_amount) == (2, Decimal("90000.00"))
    services.project_revoke(project=started_project, reason="Lavori interrotti.", by=administrator_user)
    refresh(started_project, programme)
    assert started_project.status == ProjectStatus.REVOKED
    assert started_project.revocation_reason == "Lavori interrotti."
    # The 20,000 paid stay spent; the other 40,000 and the project's place are free again.
    assert (programme.committed_projects, programme.committed_amount) == (1, Decimal("50000.00"))
    assert events_of(sme_member)[-1] == "financing_revoked"
    assert events_of(staff_user)[-1] == "financing_revoked"
    assert other.status == ProjectStatus.APPROVED


def test_revoking_needs_an_administrator_a_reason_and_a_financed_project(
    approved_project, programme, administrator_user, staff_user
):
    eligible_project = make_project(programme)
    with pytest.raises(PermissionDenied):
        services.project_revoke(project=approved_project, reason="No.", by=staff_user)
    with pytest.raises(ValidationError):
        services.project_revoke(project=approved_project, reason=" ", by=administrator_user)
    with pytest.raises(ValidationError):
        services.project_revoke(project=eligible_project, reason="No.", by=administrator_user)


def test_a_closed_project_cannot_be_revoked(started_project, sme_member, staff_user, administrator_user):
    services.project_submit_final_report(project=started_project, report="Fatto.", by=sme_member)
    services.project_close(project=started_project, by=staff_user)
    with pytest.raises(ValidationError):
        services.project_revoke(project=started_project, reason="Tardi.", by=administrator_user)
