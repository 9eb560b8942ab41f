"""The applicant's journey through the pages: steps saved as drafts, errors beside their
field in the user's language, nothing saved lost, submission, withdrawal, colleagues."""

import pytest
from django.urls import reverse

from programme.models import Notification, User
from smes.models import Application, ApplicationStatus, Company
from tests.factories import SmeMemberFactory, StaffFactory, valid_vat_number

pytestmark = pytest.mark.django_db

COMPANY = {
    "legal_name": "Trafilerie Bresciane S.r.l.",
    "vat_number": valid_vat_number(777, "017"),
    "tax_code": valid_vat_number(777, "017"),
    "ateco_code": "24.34.00",
    "address": "Via dell'Artigianato 3",
    "postal_code": "25065",
    "municipality": "Lumezzane",
    "province": "BS",
    "pec": "trafilerie@pec.esempio.it",
    "employees": "42",
    "turnover": "7800000",
    "balance_sheet_total": "5100000",
    "year_founded": "1968",
    "website": "www.trafilerie-esempio.it",
}
PEOPLE = {
    "legal_representative_first_name": "Piero",
    "legal_representative_last_name": "Zanardelli",
    "legal_representative_tax_code": "RSSMRA80A01F205X",
    "legal_representative_role": "Amministratore unico",
    "contact_first_name": "Laura",
    "contact_last_name": "Zanardelli",
    "contact_role": "Responsabile qualità",
    "contact_email": "laura@esempio.it",
    "contact_phone": "+39 030 8921234",
}
NEEDS = {
    "needs": ["operations_lean", "data_management"],
    "needs_description": "Trafiliamo filo d'acciaio per molle e vogliamo ridurre scarti e consumi energetici, "
    "raccogliendo i dati delle linee per decidere meglio.",
    "preferred_period": "within_3_months",
    "period_notes": "Non in agosto",
}
DECLARATIONS = {
    "privacy_accepted": "on",
    "declares_sme": "on",
    "declares_not_in_difficulty": "on",
    "declares_de_minimis": "on",
    "declares_truthful": "on",
}


@pytest.fixture
def english(sme_member):
    User.objects.filter(pk=sme_member.pk).update(language="en")


def test_an_sme_applies_step_by_step_and_submits(sme_client, sme_member, programme):
    response = sme_client.post(reverse("smes:application_new"), COMPANY)
    assert response.status_code == 302, response.context["form"].errors
    application = Application.objects.get()
    assert response["Location"] == reverse("smes:application_step", args=[application.pk, "referenti"])
    company = Company.objects.get()
    assert (company.municipality, company.municipality_code, company.website) == (
        "Lumezzane",
        "E738",
        "https://www.trafilerie-esempio.it",
    )
    assert sme_client.post(response["Location"], PEOPLE).status_code == 302
    assert (
        sme_client.post(
            reverse("smes:application_step", args=[application.pk, "esigenze"]), NEEDS
        ).status_code
        == 302
    )
    response = sme_client.post(
        reverse("smes:application_step", args=[application.pk, "dichiarazioni"]), DECLARATIONS
    )
    assert response["Location"] == reverse("smes:application_detail", args=[application.pk])
    page = sme_client.get(response["Location"]).content.decode()
    assert "Trafilerie Bresciane S.r.l." in page and "Zanardelli" in page
    response = sme_client.post(reverse("smes:application_submit", args=[application.pk]))
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED
    assert application.declared_by == sme_member
    assert Notification.objects.filter(recipient=sme_member, event="sme_application_received").exists()
    # The home says where it stands and shows the timeline.
    home = sme_client.get(reverse("home:sme")).content.decode()
    assert application.get_status_display() in home
    assert reverse("smes:application_detail", args=[application.pk]) in home


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("vat_number", "123", "A VAT number has 11 digits"),
        ("vat_number", "01234560158", "This VAT number is not valid"),
        ("tax_code", "ABC", "A company&#x27;s tax code has 11 digits"),
        ("tax_code", "RSSMRA80A01F205Y", "This tax code is not valid"),
        ("ateco_code", "99.99.99", "not an ATECO code in ISTAT"),
        ("ateco_code", "25", "Give the code of the company&#x27;s activity in full"),
        ("municipality", "Gotham", "Gotham is not a municipality of Lombardy"),
        ("municipality", "Bergamo", "Bergamo is in the province of Bergamo, not Brescia"),
        ("province", "TO", "Choose one of Lombardy&#x27;s twelve provinces"),
        ("postal_code", "2506", "A postcode has 5 digits"),
        ("pec", "not-an-address", "Enter a valid email address"),
        ("employees", "-1", "greater than or equal to 0"),
        ("employees", "many", "Enter a whole number"),
        ("turnover", "-5", "greater than or equal to 0"),
        ("balance_sheet_total", "abc", "Enter a number"),
        ("year_founded", "1700", "greater than or equal to 1800"),
        ("year_founded", "2999", "less than or equal to"),
        ("website", "not a site", "Enter a valid URL"),
        ("legal_name", "", "This field is required"),
    ],
)
def test_each_bad_company_field_is_told_beside_it_and_what_was_typed_stays(
    sme_client, english, programme, field, value, message
):
    response = sme_client.post(reverse("smes:application_new"), {**COMPANY, field: value})
    assert response.status_code == 200
    form = response.context["form"]
    assert list(form.errors) == [field], form.errors
    page = response.content.decode()
    assert message in page
    # The error is rendered beside the field (crispy's invalid-feedback for that input).
    assert f'id="error_1_id_{field}"' in page
    assert COMPANY["legal_name"].replace("'", "&#x27;") in page or field == "legal_name"
    assert not Application.objects.exists()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("legal_representative_tax_code", "RSSMRA80A01F205Y", "This tax code is not valid"),
        ("legal_representative_tax_code", "01234560157", "16 characters"),
        ("contact_email", "laura@", "Enter a valid email address"),
        ("contact_phone", "call me", "Give a telephone number"),
        ("contact_last_name", "", "This field is required"),
    ],
)
def test_bad_people_fields_are_told_and_the_saved_step_is_kept(
    sme_client, english, draft, field, value, message
):
    before = Application.objects.filter(pk=draft.pk).values().get()
    response = sme_client.post(
        reverse("smes:application_step", args=[draft.pk, "referenti"]), {**PEOPLE, field: value}
    )
    assert response.status_code == 200
    assert list(response.context["form"].errors) == [field]
    assert message in response.content.decode()
    assert Application.objects.filter(pk=draft.pk).values().get() == before


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"needs": []}, "needs", "Choose at least one area"),
        ({"needs": ["astrology"]}, "needs", "Select a valid choice"),
        ({"needs_description": "Troppo breve."}, "needs_description", "at least 80 characters"),
        ({"preferred_period": ""}, "preferred_period", "This field is required"),
    ],
)
def test_bad_needs_are_told_beside_their_field(sme_client, english, draft, overrides, field, message):
    response = sme_client.post(
        reverse("smes:application_step", args=[draft.pk, "esigenze"]), {**NEEDS, **overrides}
    )
    assert response.status_code == 200
    assert list(response.context["form"].errors) == [field]
    assert message in response.content.decode()


def test_each_declaration_is_required(sme_client, english, draft):
    response = sme_client.post(reverse("smes:application_step", args=[draft.pk, "dichiarazioni"]), {})
    assert set(response.context["form"].errors) == set(DECLARATIONS)
    assert "privacy notice" in response.content.decode()


def test_the_declarations_page_names_the_legal_representative(sme_client, english, draft):
    page = sme_client.get(reverse("smes:application_step", args=[draft.pk, "dichiarazioni"])).content.decode()
    assert "Mario Rossi" in page


def test_a_second_applicant_for_the_same_company_learns_nothing_about_the_first(
    sme_client, english, programme, other_application
):
    StaffFactory()
    contact = other_application.company.members.get()
    # Names no page would contain by chance (random ones sometimes match a word on the page).
    contact.last_name = "Quattrocchi-Zanardelli"
    contact.save(update_fields=["last_name"])
    other_application.contact_first_name = "Ermenegilda"
    other_application.contact_last_name = "Quattrocchi-Zanardelli"
    other_application.save(update_fields=["contact_first_name", "contact_last_name"])
    response = sme_client.post(
        reverse("smes:application_new"),
        {
            **COMPANY,
            "vat_number": other_application.company.vat_number,
            "tax_code": other_application.company.vat_number,
        },
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "This company has already applied to the programme" in page
    for private in (
        contact.email,
        contact.last_name,
        other_application.contact_email,
        other_application.contact_name,
    ):
        assert private not in page
    assert Notification.objects.filter(event="sme_duplicate_attempt_staff").count() == 1
    assert Notification.objects.filter(recipient=contact, event="sme_duplicate_attempt_member").count() == 1


def test_the_member_withdraws_through_the_page(sme_client, submitted):
    response = sme_client.post(
        reverse("smes:application_withdraw", args=[submitted.pk]), {"reason": "Cambio di piani."}
    )
    assert response.status_code == 302
    submitted.refresh_from_db()
    assert submitted.status == ApplicationStatus.WITHDRAWN
    page = sme_client.get(reverse("smes:application_detail", args=[submitted.pk])).content.decode()
    assert "Cambio di piani." in page


def test_a_member_invites_a_colleague_through_the_page(sme_client, company):
    response = sme_client.post(
        reverse("smes:company_members"),
        {"email": "collega@esempio.it", "first_name": "Anna", "last_name": "Neri", "language": "it"},
    )
    assert response.status_code == 302
    invited = User.objects.get(email="collega@esempio.it")
    assert company.members.filter(pk=invited.pk).exists()
    page = sme_client.get(reverse("smes:company_members")).content.decode()
    assert "collega@esempio.it" in page


def test_the_home_of_a_newcomer_leads_to_the_application(sme_client, programme):
    page = sme_client.get(reverse("home:sme")).content.decode()
    assert reverse("smes:application_new") in page


def test_the_member_timeline_hides_staff_names_and_other_peoples_attempts(sme_client, submitted, programme):
    from smes import services

    staff = StaffFactory(first_name="Elena", last_name="Ferrarissima")
    intruder = SmeMemberFactory(first_name="Intruso", last_name="Curiosissimo")
    with pytest.raises(Exception):  # noqa: B017 - the refusal itself is tested in the services
        services.application_save_company(
            programme=programme,
            values={"vat_number": submitted.company.vat_number},
            by=intruder,
        )
    services.application_decide(
        application=submitted, eligible=False, reason="Settore non ammesso.", by=staff
    )
    page = sme_client.get(reverse("smes:application_detail", args=[submitted.pk])).content.decode()
    assert "Settore non ammesso." in page
    assert "Ferrarissima" not in page
    assert "Curiosissimo" not in page
    # Who acted is named by role.
    assert "staff del programma" in page or "programme staff" in page
