"""The demo's SMEs: 100 enrolled, valid identifiers, Lombard, the same every time."""

import collections
import datetime
import random

import pytest
from stdnum.it import codicefiscale, iva

from programme.home import demo as home_demo
from programme.models import Programme
from smes import identifiers, queries
from smes.models import Application, ApplicationStatus, Company

pytestmark = pytest.mark.django_db


@pytest.fixture
def context():
    return home_demo.rebuild()


def test_the_demo_enrols_the_programmes_100_smes_and_the_counter_agrees(context):
    programme = Programme.objects.get(pk=context.programme.pk)
    assert queries.headline_figures(programme) == {"smes_enrolled": 100}
    assert programme.enrolled_count == 100
    statuses = collections.Counter(Application.objects.values_list("status", flat=True))
    assert statuses[ApplicationStatus.WAITLISTED] >= 1
    assert statuses[ApplicationStatus.SUBMITTED] >= 1
    assert statuses[ApplicationStatus.INELIGIBLE] >= 1
    positions = sorted(
        Application.objects.filter(status=ApplicationStatus.WAITLISTED).values_list(
            "waitlist_position", flat=True
        )
    )
    assert positions == list(range(1, len(positions) + 1))


def test_demo_companies_are_real_looking_lombard_smes(context):
    companies = list(Company.objects.all())
    assert all(iva.is_valid(company.vat_number) for company in companies)
    assert {company.province for company in companies} == {
        "BG",
        "BS",
        "CO",
        "CR",
        "LC",
        "LO",
        "MN",
        "MI",
        "MB",
        "PV",
        "SO",
        "VA",
    }
    assert all(identifiers.find_municipality(company.municipality, company.province) for company in companies)
    enrolled = Application.objects.filter(status=ApplicationStatus.ENROLLED).select_related("company")
    sizes = collections.Counter(application.size_class for application in enrolled)
    assert set(sizes) == {"micro", "small", "medium"}
    manufacturing = sum(application.company.ateco_section == "C" for application in enrolled)
    assert manufacturing >= 70
    assert all(
        all(result["passed"] for result in application.eligibility_results) for application in enrolled
    )
    assert all(
        codicefiscale.is_valid(code)
        for code in Application.objects.values_list("legal_representative_tax_code", flat=True)
    )


def test_each_company_has_one_member_and_the_persona_is_one_of_them(context):
    persona = context.accounts["sme_member"]
    application = queries.member_application(persona, context.programme)
    assert application.status == ApplicationStatus.ENROLLED
    assert all(company.members.count() == 1 for company in Company.objects.all())
    assert all(
        member.email.endswith("@demo.example")
        for company in Company.objects.all()
        for member in company.members.all()
    )


def test_the_demo_is_the_same_every_time():
    home_demo.rebuild()
    names = list(Company.objects.order_by("vat_number").values_list("vat_number", "legal_name"))
    home_demo.rebuild()
    assert list(Company.objects.order_by("vat_number").values_list("vat_number", "legal_name")) == names


def test_the_demos_tax_codes_are_those_the_codicefiscale_library_encodes():
    """The demo builds each representative's tax code from its parts (the library's own
    encode is too slow for a national build): the same code, for every Lombard
    municipality whose cadastral code changed over the birth years and for a sample of
    the others."""
    from codicefiscale import codicefiscale as library

    from smes import demo

    rng = random.Random(7)
    municipalities = identifiers.lombard_municipalities()
    held = [item for item in municipalities if item.code in demo._codes_held_throughout()]
    changed = [item for item in municipalities if item.code not in demo._codes_held_throughout()]
    # Both kinds exist: those whose code had gaps or changes in the birth years go the slow way.
    assert held and changed
    for municipality in changed + rng.sample(held, 200):
        first, last = rng.choice(demo.FIRST_NAMES), rng.choice(demo.SURNAMES)
        born = datetime.date(rng.randint(*demo.BIRTH_YEARS), rng.randint(1, 12), rng.randint(1, 28))
        expected = library.encode(
            lastname=last,
            firstname=first,
            gender="F" if first in demo.FEMALE_NAMES else "M",
            birthdate=born.isoformat(),
            birthplace=municipality.code,
        )
        assert demo.personal_tax_code(first, last, born, municipality.code) == expected
