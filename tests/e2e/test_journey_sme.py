"""Journey 1: an SME, from signing up to proposing a development project. Its forms are filled
and sent with the keyboard alone (Tab, typing, Space, arrows, Enter), never a click."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from assessments.models import Assessment
from managers.models import ManagerStatus
from programme.reference import AssessmentArea
from projects.models import Project, ProjectStatus
from smes.models import Application, ApplicationStatus
from tests.e2e import others
from tests.factories import (
    PASSWORD,
    ApplicationFactory,
    ManagerFactory,
    ProgrammeFactory,
    StaffFactory,
    valid_vat_number,
)

pytestmark = pytest.mark.django_db(transaction=True)

EMAIL = "titolare@officine-brembo.example"
VAT_NUMBER = valid_vat_number(4242, office="016")
# The same digits with the check digit changed: the form refuses it.
WRONG_VAT_NUMBER = VAT_NUMBER[:-1] + str((int(VAT_NUMBER[-1]) + 1) % 10)


def submit(journey, page=None) -> None:
    """Sends the form of the page's main content with Enter on its submit button."""
    page = page or journey.page
    button = page.locator("main form button[type=submit]").first
    journey.tab_to(button, page)
    with page.expect_navigation():
        page.keyboard.press("Enter")


def test_an_sme_signs_up_applies_is_assessed_and_proposes_a_project(journey_factory, mail_dir):
    programme = ProgrammeFactory()
    staff = StaffFactory()
    manager = ManagerFactory(programme=programme, status=ManagerStatus.APPLIED, provinces=["BG", "MI"])
    others.select_manager(manager, staff=staff)
    other_application = ApplicationFactory(programme=programme, status=ApplicationStatus.SUBMITTED)

    journey = journey_factory("1-sme")
    page = journey.page

    # Signing up, and the e-mail confirmation through the link in the message.
    journey.goto("/", "landing page")
    with page.expect_navigation():
        journey.press_on(page.locator("main a[href='/accounts/signup/']").first)
    journey.check("sign-up form")
    journey.keyboard_fill(
        {
            "input[name=role][value=sme_member]": True,
            "#id_first_name": "Chiara",
            "#id_last_name": "Brembilla",
            "#id_email": EMAIL,
            "#id_password1": PASSWORD,
            "#id_password2": PASSWORD,
            "#id_language": "en",
        }
    )
    submit(journey)
    journey.check("confirmation e-mail sent")
    link = others.link_in_mail(mail_dir, EMAIL, r"http://\S+/accounts/confirm-email/\S+/")
    journey.goto(link, "confirm the e-mail address")
    submit(journey)
    journey.check("signed in after confirming")

    # The application, step by step; a wrong VAT number is refused, then corrected.
    journey.goto("/pmi/candidatura/", "new application")
    company = {
        "#id_legal_name": "Officine Brembo S.r.l.",
        "#id_vat_number": WRONG_VAT_NUMBER,
        "#id_tax_code": VAT_NUMBER,
        "#id_ateco_code": "25.62.00",
        "#id_address": "Via dell'Industria 12",
        "#id_postal_code": "24126",
        "#id_municipality": "Bergamo",
        "#id_province": "BG",
        "#id_pec": "officinebrembo@pec.example.it",
        "#id_employees": "35",
        "#id_turnover": "6500000",
        "#id_balance_sheet_total": "4800000",
        "#id_year_founded": "1987",
    }
    journey.keyboard_fill(company)
    submit(journey)
    expect(page.locator("#id_vat_number")).to_have_attribute("aria-invalid", "true")
    journey.check("wrong VAT number refused")
    journey.keyboard_fill({"#id_vat_number": VAT_NUMBER})
    submit(journey)
    journey.check("people step")
    journey.keyboard_fill(
        {
            "#id_legal_representative_first_name": "Mario",
            "#id_legal_representative_last_name": "Rossi",
            "#id_legal_representative_tax_code": "RSSMRA80A01F205X",
            "#id_legal_representative_role": "Amministratore unico",
            "#id_contact_first_name": "Chiara",
            "#id_contact_last_name": "Brembilla",
            "#id_contact_email": EMAIL,
            "#id_contact_phone": "+39 035 123456",
        }
    )
    submit(journey)
    journey.check("needs step")
    journey.keyboard_fill(
        {
            f"input[name=needs][value={AssessmentArea.DIGITAL_STRATEGY}]": True,
            f"input[name=needs][value={AssessmentArea.OPERATIONS_LEAN}]": True,
            "#id_needs_description": (
                "We make precision mechanical parts and want to connect the machines to the management "
                "system to plan production better."
            ),
            "#id_preferred_period": "within_3_months",
        }
    )
    submit(journey)
    journey.check("declarations step")
    journey.keyboard_fill(
        {
            f"#id_{name}": True
            for name in (
                "privacy_accepted",
                "declares_sme",
                "declares_not_in_difficulty",
                "declares_de_minimis",
                "declares_truthful",
            )
        }
    )
    submit(journey)
    journey.check("application summary")
    submit(journey)
    journey.check("application submitted")
    application = Application.objects.get(company__vat_number=VAT_NUMBER)
    assert application.status == ApplicationStatus.SUBMITTED

    # What it may not do: open another company's application.
    journey.refused(f"/pmi/candidature/{other_application.pk}/", 404, "another company's application")

    # Staff find it eligible and enrol it; a matching run on the worker gives it the manager,
    # who accepts, writes the report and submits it; staff validate it.
    others.enrol(application, staff=staff)
    [assessment] = others.match_and_confirm(programme, staff=staff)
    assert assessment.application_id == application.pk
    others.accept(assessment)
    journey.goto("/pmi/", "home with its manager")
    expect(page.locator("#manager-title")).to_be_visible()
    expect(page.get_by_text(manager.user.get_full_name())).to_be_visible()

    others.write_and_submit_report(Assessment.objects.get(pk=assessment.pk))
    others.complete(Assessment.objects.get(pk=assessment.pk), staff=staff)
    journey.goto("/pmi/", "home with the report ready")
    with page.expect_navigation():
        journey.press_on(page.locator(f"main a[href='/assessment/{assessment.pk}/rapporto/']").first)
    journey.check("the report")
    expect(page.get_by_text("Raccomandazione 1").first).to_be_visible()
    with page.expect_download() as download:
        journey.press_on(page.locator(f"main a[href='/assessment/{assessment.pk}/rapporto/pdf/']").first)
    pdf = download.value.path().read_bytes()
    assert pdf.startswith(b"%PDF")

    # The development project, in its four steps, and its submission.
    journey.goto(f"/pmi/valutazioni/{assessment.pk}/progetto/", "propose a project")
    submit(journey)
    journey.check("the project's first step")
    recommendation = assessment.recommendations.order_by("position").first()
    journey.keyboard_fill(
        {
            "#id_title": "Connected factory",
            "#id_objectives": "Fewer machine stops; production planned from live data.",
            f"input[name=recommendations][value='{recommendation.pk}']": True,
        }
    )
    submit(journey)
    journey.check("work plan step")
    today = timezone.localdate()
    journey.keyboard_fill(
        {
            "#id_milestones-0-title": "Analysis",
            "#id_milestones-0-due_on": (today + datetime.timedelta(days=30)).isoformat(),
            "#id_milestones-0-tranche": "20000",
            "#id_milestones-1-title": "Acceptance test",
            "#id_milestones-1-due_on": (today + datetime.timedelta(days=200)).isoformat(),
            "#id_milestones-1-tranche": "20000",
        }
    )
    submit(journey)
    journey.check("costs step")
    journey.keyboard_fill(
        {"#id_total_cost": "60000", "#id_financing_requested": "40000", "#id_own_share": "20000"}
    )
    submit(journey)
    journey.check("de minimis step")
    journey.keyboard_fill({"#id_received": "15000", "#id_confirmed": True})
    submit(journey)
    journey.check("the complete proposal")
    submit(journey)
    journey.check("proposal submitted")
    project = Project.objects.get(assessment=assessment)
    assert project.status == ProjectStatus.SUBMITTED
    journey.finish()
