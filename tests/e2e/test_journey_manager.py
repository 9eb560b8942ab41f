"""Journey 2: a manager, from signing up to seeing the assessment completed. The workspace's
findings are saved by the page's own autosave (autosave.js), the browser's clock moved on by a
minute instead of waiting for it."""

from __future__ import annotations

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from assessments.models import Assessment, AssessmentStatus
from assessments.review import services as review_services
from managers.models import Manager, ManagerStatus
from programme.reference import AssessmentArea
from tests.assessments.conftest import enrolled, selected
from tests.assessments.review_fixtures import make_assessment
from tests.e2e import others
from tests.factories import PASSWORD, ProgrammeFactory, StaffFactory, pdf_bytes

pytestmark = pytest.mark.django_db(transaction=True)

EMAIL = "lucia.galli@manager.example"
AUTOSAVE_MS = 61_000


def send(journey, button) -> None:
    with journey.page.expect_navigation():
        button.click()


def test_a_manager_joins_is_matched_writes_the_report_and_sees_it_completed(journey_factory, mail_dir):
    programme = ProgrammeFactory()
    staff = StaffFactory()
    application = enrolled(programme, "MI", "Milano")
    # Another manager's assessment with another company: not this manager's to open.
    elsewhere = make_assessment(enrolled(programme, "BG", "Bergamo"), selected(programme, ["BG"], 1))

    journey = journey_factory("2-manager")
    page = journey.page

    # Signing up and confirming the e-mail address.
    journey.goto("/accounts/signup/", "sign-up form")
    page.check("input[name=role][value=manager]")
    page.fill("#id_first_name", "Lucia")
    page.fill("#id_last_name", "Galli")
    page.fill("#id_email", EMAIL)
    page.fill("#id_password1", PASSWORD)
    page.fill("#id_password2", PASSWORD)
    page.select_option("#id_language", "en")
    send(journey, page.locator("main form button[type=submit]"))
    journey.check("confirmation e-mail sent")
    link = others.link_in_mail(mail_dir, EMAIL, r"http://\S+/accounts/confirm-email/\S+/")
    journey.goto(link, "confirm the e-mail address")
    send(journey, page.locator("main form button[type=submit]"))
    journey.check("signed in after confirming")

    # The profile, the CV, the application to the pool.
    journey.goto("/manager/profilo/modifica/", "profile form")
    page.fill("#id_phone", "+39 0341 123456")
    page.fill("#id_city", "Lecco")
    page.select_option("#id_home_province", "LC")
    page.select_option("#id_employment_situation", "looking")
    page.fill("#id_years_of_experience", "20")
    for role in ("operations", "quality"):
        page.check(f"input[name=roles_held][value={role}]")
    page.fill("#id_career_summary", "Direttrice qualità in un'azienda di componentistica.")
    for language in ("it", "en"):
        page.check(f"input[name=languages][value={language}]")
    for province in ("MI", "LC", "MB"):
        page.check(f"input[name=provinces][value={province}]")
    page.select_option("#id_capacity", "2")
    page.fill("#id_available_from", timezone.localdate().isoformat())
    page.select_option("#id_sectors-0-section", "C")
    page.fill("#id_sectors-0-years", "14")
    for area in AssessmentArea.values:
        page.select_option(f"#id_competence_{area}", "3")
    send(journey, page.locator("main form button[type=submit]").first)
    journey.check("profile saved")
    journey.goto("/manager/profilo/cv/", "CV upload")
    page.set_input_files(
        "#id_cv", files=[{"name": "curriculum.pdf", "mimeType": "application/pdf", "buffer": pdf_bytes()}]
    )
    send(journey, page.locator("main form button[type=submit]"))
    journey.check("CV uploaded")
    journey.goto("/manager/profilo/invia/", "application to the pool")
    page.check("#id_truthful_declaration")
    send(journey, page.locator("main form button[type=submit]"))
    journey.check("application submitted")
    manager = Manager.objects.get(user__email=EMAIL)
    assert manager.status == ManagerStatus.APPLIED

    # Staff review and select; a matching run on the worker proposes the Milan company.
    others.select_manager(manager, staff=staff)
    [assessment] = others.match_and_confirm(programme, staff=staff)
    assert assessment.application_id == application.pk

    journey.goto("/manager/", "home with a company to answer")
    send(journey, page.locator(f"main a[href='/manager/assessment/{assessment.pk}/']").first)
    journey.check("the proposed company")
    send(journey, page.locator(f"form[action='/manager/assessment/{assessment.pk}/accetta/'] button"))
    journey.check("accepted")

    # What it may not do: open another manager's workspace.
    journey.refused(f"/manager/valutazione/{elsewhere.pk}/", 404, "another manager's workspace")

    # Two visits, every dimension's findings (saved by the autosave), three recommendations.
    workspace = f"/manager/valutazione/{assessment.pk}/"
    page.clock.install()
    journey.goto(workspace, "workspace")
    for number in (1, 2):
        send(journey, page.locator(f"a[href='{workspace}visite/nuova/']"))
        journey.check(f"visit {number} form")
        page.fill("#id_held_on", timezone.localdate().isoformat())
        page.select_option("#id_duration_unit", "half_days")
        page.fill("#id_duration", "1")
        page.fill("#id_participants", "Titolare, responsabile di produzione")
        send(journey, page.locator("main form button[type=submit]").first)
        journey.check(f"visit {number} logged")
    for area in AssessmentArea.values:
        page.select_option(f"#id_finding-{area}-current_level", "2")
        page.select_option(f"#id_finding-{area}-target_level", "4")
        page.fill(f"#id_finding-{area}-evidence", "Gestionale in uso, macchine non collegate.")
    page.clock.fast_forward(AUTOSAVE_MS)
    expect(page.locator("#autosave-status")).to_contain_text("Draft saved at")
    journey.check("findings saved by the autosave")
    new = page.locator("section[aria-labelledby=new-recommendation-title]")
    for number, area in enumerate(AssessmentArea.values[:3], start=1):
        new.locator("[name$=title]").fill(f"Recommendation {number}")
        new.locator("[name$=dimension]").select_option(area)
        new.locator("[name$=description]").fill("Connect the machines to the management system.")
        send(journey, new.locator("button[type=submit]"))
        journey.check(f"recommendation {number} added")
    send(journey, page.locator(f"form[action='{workspace}invia/'] button"))
    journey.check("report submitted")
    assert Assessment.objects.get(pk=assessment.pk).status == AssessmentStatus.SUBMITTED

    # Staff return it; the manager fixes the summary and submits again.
    review_services.assessment_return(
        assessment=assessment, comments="Please add a summary for the company.", by=staff
    )
    journey.goto(workspace, "report returned")
    expect(page.get_by_role("alert").get_by_text("Please add a summary for the company.")).to_be_visible()
    summary = page.locator("#summary form")
    summary.locator("textarea").fill(
        "A sound company, ready to connect its machines to the management system."
    )
    send(journey, summary.locator("button[type=submit]"))
    journey.check("summary saved")
    send(journey, page.locator(f"form[action='{workspace}invia/'] button"))
    journey.check("report submitted again")

    # Staff validate it: the manager sees the assessment completed.
    others.complete(Assessment.objects.get(pk=assessment.pk), staff=staff)
    journey.goto(workspace, "assessment completed")
    expect(page.locator(".alert-success")).to_be_visible()
    assert Assessment.objects.get(pk=assessment.pk).status == AssessmentStatus.COMPLETED
    journey.finish()
