"""Applying: the steps of the draft, submission with the rules, staff's decisions, withdrawal, colleagues."""

import datetime

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError

from programme.models import AuditEntry, Notification, Programme, User
from programme.queries import timeline
from smes import services
from smes.models import Application, ApplicationStatus, ApplicationStep, Company, CompanyMembership
from tests.factories import (
    CompanyFactory,
    ManagerUserFactory,
    SmeMemberFactory,
    StaffFactory,
    valid_vat_number,
)

pytestmark = pytest.mark.django_db


def company_values(**overrides):
    values = {
        "legal_name": "Minuterie Lariane S.r.l.",
        "vat_number": valid_vat_number(4242, "013"),
        "tax_code": valid_vat_number(4242, "013"),
        "ateco_code": "25.53.00",
        "address": "Via Milano 5",
        "postal_code": "22100",
        "municipality": "Como",
        "municipality_code": "C933",
        "province": "CO",
        "pec": "minuterie@pec.esempio.it",
        "employees": 18,
        "turnover": 2_500_000,
        "balance_sheet_total": 1_800_000,
        "year_founded": 1979,
        "website": "",
    }
    values.update(overrides)
    return values


def test_the_first_step_registers_the_company_and_opens_a_draft(programme, sme_member):
    application = services.application_save_company(
        programme=programme, values=company_values(), by=sme_member
    )
    assert application.status == ApplicationStatus.DRAFT
    assert application.steps_done == [ApplicationStep.COMPANY]
    assert application.company.members.get() == sme_member
    assert application.company.ateco_section == "C"
    assert application.contact_email == sme_member.email
    [entry] = timeline(application)
    assert (entry.action, entry.to_status, entry.actor) == ("created", "draft", sme_member)


def test_only_sme_members_apply(programme):
    with pytest.raises(PermissionDenied):
        services.application_save_company(
            programme=programme, values=company_values(), by=ManagerUserFactory()
        )
    assert not Company.objects.exists()


def test_a_second_applicant_for_the_same_company_is_told_only_that_it_applied_and_staff_and_members_are_told(
    programme, other_application
):
    staff = StaffFactory()
    intruder = SmeMemberFactory()
    vat = other_application.company.vat_number
    with pytest.raises(ValidationError) as error:
        services.application_save_company(
            programme=programme, values=company_values(vat_number=vat), by=intruder
        )
    message = error.value.message_dict["vat_number"][0]
    assert "already applied" in message or "già" in message
    contact = other_application.company.members.get()
    assert contact.email not in message and other_application.contact_email not in message
    assert not CompanyMembership.objects.filter(user=intruder).exists()
    assert Application.objects.count() == 1
    # The attempt is kept although the refusal rolled back the rest.
    assert Notification.objects.filter(recipient=staff, event="sme_duplicate_attempt_staff").count() == 1
    assert Notification.objects.filter(recipient=contact, event="sme_duplicate_attempt_member").count() == 1
    member_notice = Notification.objects.get(recipient=contact)
    assert intruder.email not in member_notice.body_text
    assert AuditEntry.objects.filter(action="duplicate_attempt", actor=intruder).count() == 1
    # Trying again does not flood anyone.
    with pytest.raises(ValidationError):
        services.application_save_company(
            programme=programme, values=company_values(vat_number=vat), by=intruder
        )
    assert Notification.objects.filter(event__startswith="sme_duplicate").count() == 2


def test_a_company_registered_but_not_applying_asks_for_an_invitation(programme):
    known = CompanyFactory(member=SmeMemberFactory())
    with pytest.raises(ValidationError) as error:
        services.application_save_company(
            programme=programme, values=company_values(vat_number=known.vat_number), by=SmeMemberFactory()
        )
    assert "vat_number" in error.value.message_dict
    assert not Notification.objects.exists()


def test_each_later_step_is_saved_on_its_own(programme, sme_member):
    application = services.application_save_company(
        programme=programme, values=company_values(), by=sme_member
    )
    services.application_save_step(
        application=application,
        step=ApplicationStep.NEEDS,
        values={
            "needs": ["automation_ai"],
            "needs_description": "x" * 90,
            "preferred_period": "asap",
            "period_notes": "",
        },
        by=sme_member,
    )
    application.refresh_from_db()
    assert application.needs == ["automation_ai"]
    assert application.steps_missing == [ApplicationStep.PEOPLE, ApplicationStep.DECLARATIONS]


def test_declarations_need_the_legal_representative_first(programme, sme_member):
    application = services.application_save_company(
        programme=programme, values=company_values(), by=sme_member
    )
    with pytest.raises(ValidationError):
        services.application_save_step(
            application=application,
            step=ApplicationStep.DECLARATIONS,
            values={"declares_sme": True},
            by=sme_member,
        )


def test_declarations_record_who_made_them(draft, sme_member):
    services.application_save_step(
        application=draft,
        step=ApplicationStep.DECLARATIONS,
        values={"declares_truthful": True},
        by=sme_member,
    )
    draft.refresh_from_db()
    assert draft.declared_by == sme_member
    assert draft.declared_at is not None


def test_another_company_member_cannot_change_a_draft(draft, other_sme_member):
    with pytest.raises(PermissionDenied):
        services.application_save_step(
            application=draft, step=ApplicationStep.NEEDS, values={"needs": []}, by=other_sme_member
        )


def test_submission_runs_the_rules_and_tells_the_members(draft, sme_member):
    services.application_submit(application=draft, by=sme_member)
    draft.refresh_from_db()
    assert draft.status == ApplicationStatus.SUBMITTED
    assert draft.submitted_at is not None
    assert [result["rule"] for result in draft.eligibility_results] == [
        "sme_size",
        "registered_office",
        "sector",
        "window",
    ]
    assert all(result["passed"] for result in draft.eligibility_results)
    assert draft.size_class == "small"
    notice = Notification.objects.get(recipient=sme_member)
    assert notice.event == "sme_application_received"
    assert draft.company.legal_name in notice.body_text


def test_a_submitted_application_can_no_longer_be_changed(submitted, sme_member):
    with pytest.raises(PermissionDenied):
        services.application_save_step(
            application=submitted, step=ApplicationStep.NEEDS, values={"needs": []}, by=sme_member
        )
    with pytest.raises(PermissionDenied):
        services.application_submit(application=submitted, by=sme_member)


def test_an_incomplete_draft_is_not_submitted(draft, sme_member):
    Application.objects.filter(pk=draft.pk).update(steps_done=[ApplicationStep.COMPANY])
    with pytest.raises(ValidationError):
        services.application_submit(application=draft, by=sme_member)
    draft.refresh_from_db()
    assert draft.status == ApplicationStatus.DRAFT


def test_nothing_is_submitted_after_the_window_closes(draft, sme_member, programme):
    Programme.objects.filter(pk=programme.pk).update(
        applications_open_on=datetime.date(2020, 1, 1), applications_close_on=datetime.date(2020, 12, 31)
    )
    with pytest.raises(ValidationError):
        services.application_submit(application=draft, by=sme_member)


def test_staff_confirm_eligible_and_the_company_is_told(submitted, sme_member):
    staff = StaffFactory()
    services.application_decide(application=submitted, eligible=True, reason="", by=staff)
    submitted.refresh_from_db()
    assert submitted.status == ApplicationStatus.ELIGIBLE
    assert Notification.objects.filter(recipient=sme_member, event="sme_application_eligible").exists()


def test_ineligible_needs_a_reason_which_the_company_reads(submitted, sme_member):
    staff = StaffFactory()
    with pytest.raises(ValidationError) as error:
        services.application_decide(application=submitted, eligible=False, reason="  ", by=staff)
    assert "reason" in error.value.message_dict
    services.application_decide(
        application=submitted, eligible=False, reason="Attività non ammessa.", by=staff
    )
    notice = Notification.objects.get(recipient=sme_member, event="sme_application_ineligible")
    assert "Attività non ammessa." in notice.body_text
    assert AuditEntry.objects.get(action="ineligible").reason == "Attività non ammessa."


def test_a_failed_rule_blocks_eligible_until_overruled_with_a_reason(submitted):
    staff = StaffFactory()
    results = submitted.eligibility_results
    results[0] = {**results[0], "passed": False, "reason": "too_many_employees"}
    Application.objects.filter(pk=submitted.pk).update(eligibility_results=results)
    with pytest.raises(ValidationError):
        services.application_decide(application=submitted, eligible=True, reason="", by=staff)
    with pytest.raises(ValidationError) as error:
        services.application_overrule_rule(application=submitted, rule="sme_size", reason="", by=staff)
    assert "reason" in error.value.message_dict
    with pytest.raises(ValidationError):
        services.application_overrule_rule(
            application=submitted, rule="sector", reason="passed already", by=staff
        )
    services.application_overrule_rule(
        application=submitted, rule="sme_size", reason="ULA ricalcolate sul bilancio 2025: 240.", by=staff
    )
    entry = AuditEntry.objects.get(action="rule_overruled")
    assert entry.reason == "ULA ricalcolate sul bilancio 2025: 240."
    assert entry.data == {"rule": "sme_size"}
    services.application_decide(application=submitted, eligible=True, reason="", by=staff)
    submitted.refresh_from_db()
    assert submitted.status == ApplicationStatus.ELIGIBLE


@pytest.mark.parametrize("persona", [SmeMemberFactory, ManagerUserFactory])
def test_only_staff_decide_and_overrule(submitted, persona):
    user = persona()
    with pytest.raises(PermissionDenied):
        services.application_decide(application=submitted, eligible=True, reason="", by=user)
    with pytest.raises(PermissionDenied):
        services.application_overrule_rule(application=submitted, rule="sme_size", reason="x", by=user)


def test_a_decision_cannot_be_taken_twice(submitted):
    staff = StaffFactory()
    services.application_decide(application=submitted, eligible=False, reason="No.", by=staff)
    with pytest.raises(ValidationError):
        services.application_decide(application=submitted, eligible=True, reason="", by=staff)


def test_the_company_withdraws_an_open_application_and_is_told(submitted, sme_member):
    services.application_withdraw(
        application=submitted, by=sme_member, reason="Abbiamo scelto un altro percorso."
    )
    submitted.refresh_from_db()
    assert submitted.status == ApplicationStatus.WITHDRAWN
    assert Notification.objects.filter(recipient=sme_member, event="sme_application_withdrawn").exists()
    with pytest.raises(ValidationError):
        services.application_withdraw(application=submitted, by=sme_member)


def test_staff_withdraw_only_with_a_reason(submitted):
    staff = StaffFactory()
    with pytest.raises(ValidationError):
        services.application_withdraw(application=submitted, by=staff, reason="")
    services.application_withdraw(application=submitted, by=staff, reason="Richiesta via PEC.")
    submitted.refresh_from_db()
    assert submitted.withdrawal_reason == "Richiesta via PEC."


def test_another_company_cannot_withdraw(submitted, other_sme_member):
    with pytest.raises(PermissionDenied):
        services.application_withdraw(application=submitted, by=other_sme_member)


def test_a_member_invites_a_new_colleague_who_gets_an_account_and_a_password_link(company, sme_member):
    invited = services.company_invite_member(
        company=company,
        email="Collega@Esempio.it",
        first_name="Anna",
        last_name="Neri",
        language="en",
        by=sme_member,
    )
    assert invited.email == "collega@esempio.it"
    assert not invited.has_usable_password()
    assert invited.groups.filter(name="sme_member").exists()
    assert CompanyMembership.objects.get(user=invited).invited_by == sme_member
    notice = Notification.objects.get(recipient=invited)
    assert notice.event == "sme_member_invited"
    assert "/accounts/password/reset/key/" in notice.link
    assert notice.language == "en"
    assert company.legal_name in notice.subject


def test_an_existing_sme_user_without_a_company_is_simply_added(company, sme_member):
    colleague = SmeMemberFactory()
    services.company_invite_member(
        company=company, email=colleague.email, first_name="", last_name="", language="it", by=sme_member
    )
    assert CompanyMembership.objects.get(user=colleague).company == company
    assert Notification.objects.get(recipient=colleague).event == "sme_member_added"
    assert User.objects.count() == 2


@pytest.mark.parametrize("who", ["member_elsewhere", "manager", "already_here"])
def test_an_invitation_never_takes_someone_from_elsewhere(company, sme_member, who):
    if who == "member_elsewhere":
        email = CompanyFactory(member=SmeMemberFactory()).members.get().email
    elif who == "manager":
        email = ManagerUserFactory().email
    else:
        email = sme_member.email
    with pytest.raises(ValidationError) as error:
        services.company_invite_member(
            company=company, email=email, first_name="A", last_name="B", language="it", by=sme_member
        )
    assert "email" in error.value.message_dict
    assert CompanyMembership.objects.filter(company=company).count() == 1


def test_only_a_member_invites_to_a_company(company, other_sme_member):
    with pytest.raises(PermissionDenied):
        services.company_invite_member(
            company=company,
            email="x@esempio.it",
            first_name="A",
            last_name="B",
            language="it",
            by=other_sme_member,
        )
    assert not User.objects.filter(email="x@esempio.it").exists()
    assert mail.outbox == []
