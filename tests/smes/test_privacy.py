"""The SME app's part of a person's data: the company stays whole, the person's membership
and their name and contact details in its applications go."""

from __future__ import annotations

import pytest

from programme.privacy import ERASED_NAME
from smes import privacy
from smes.models import Application, ApplicationStatus, Company, CompanyMembership
from tests.factories import ApplicationFactory, CompanyFactory, SmeMemberFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def member(programme):
    person = SmeMemberFactory(first_name="Giulia", last_name="Bertolotti", email="giulia@officine.example")
    company = CompanyFactory(member=person)
    ApplicationFactory(
        programme=programme,
        company=company,
        status=ApplicationStatus.ELIGIBLE,
        created_by=person,
        contact_first_name="Giulia",
        contact_last_name="Bertolotti",
        contact_email="GIULIA@officine.example",
        contact_phone="+39 035 998877",
        legal_representative_first_name="Mario",
        legal_representative_last_name="Rossi",
        decision_reason="Requisiti verificati con Giulia Bertolotti (tel. +39 035 998877).",
    )
    return person


def test_person_data_holds_the_company_they_act_for_and_its_application(member):
    data = privacy.person_data(user=member)
    assert [row["vat_number"] for row in data["memberships"]] == [
        member.company_membership.company.vat_number
    ]
    (application,) = data["applications"]
    assert application["contact"]["email"] == "GIULIA@officine.example"
    assert application["created_by_them"] and not application["declared_by_them"]
    assert application["status"] == ApplicationStatus.ELIGIBLE


def test_an_application_naming_them_as_contact_is_found_without_a_membership(programme, member):
    other = ApplicationFactory(programme=programme, contact_email="giulia@officine.example")
    assert {row["id"] for row in privacy.person_data(user=member)["applications"]} >= {other.pk}


def test_person_erase_removes_their_contact_details_and_membership_and_keeps_the_company(member):
    company = member.company_membership.company
    application = company.applications.get()
    summary = privacy.person_erase(user=member, by=None)
    application.refresh_from_db()
    assert (application.contact_first_name, application.contact_last_name) == (ERASED_NAME, f"#{member.pk}")
    assert (application.contact_email, application.contact_phone, application.contact_role) == (
        f"erased-{member.pk}@invalid",
        "",
        "",
    )
    # The legal representative is somebody else: they stay.
    assert (application.legal_representative_first_name, application.legal_representative_last_name) == (
        "Mario",
        "Rossi",
    )
    assert application.decision_reason == (
        f"Requisiti verificati con Persona cancellata #{member.pk} (tel. Persona cancellata #{member.pk})."
    )
    assert application.status == ApplicationStatus.ELIGIBLE and application.created_by_id == member.pk
    assert not CompanyMembership.objects.filter(user=member).exists()
    assert Company.objects.filter(pk=company.pk).exists()
    assert summary == {"memberships_removed": 1, "applications_anonymised": 1}


def test_a_legal_representative_loses_name_and_tax_code_and_keeps_their_role(programme):
    person = SmeMemberFactory(first_name="Mario", last_name="Rossi")
    application = ApplicationFactory(programme=programme, company=CompanyFactory(member=person))
    privacy.person_erase(user=person, by=None)
    application.refresh_from_db()
    assert application.legal_representative_name == f"{ERASED_NAME} #{person.pk}"
    assert application.legal_representative_tax_code == ""
    assert application.legal_representative_role == "Amministratore unico"
    # The contact was a colleague: kept.
    assert application.contact_name == "Giulia Verdi"


def test_other_companies_applications_are_untouched(programme, member):
    other = ApplicationFactory(programme=programme)
    before = Application.objects.values().get(pk=other.pk)
    privacy.person_erase(user=member, by=None)
    assert Application.objects.values().get(pk=other.pk) == before


def test_person_erase_twice_changes_nothing_more(member):
    privacy.person_erase(user=member, by=None)
    assert privacy.person_erase(user=member, by=None) == {
        "memberships_removed": 0,
        "applications_anonymised": 0,
    }


def test_a_namesake_in_another_company_keeps_their_contact_and_legal_details(programme, member):
    namesake = ApplicationFactory(
        programme=programme,
        legal_representative_first_name="Giulia",
        legal_representative_last_name="Bertolotti",
        legal_representative_tax_code="BRTGLI70B42A794K",
        contact_first_name="giulia",
        contact_last_name="BERTOLOTTI",
        contact_email="g.bertolotti@altra.example",
    )
    privacy.person_erase(user=member, by=None)
    namesake.refresh_from_db()
    assert namesake.legal_representative_name == "Giulia Bertolotti"
    assert namesake.legal_representative_tax_code == "BRTGLI70B42A794K"
    assert namesake.contact_email == "g.bertolotti@altra.example"
