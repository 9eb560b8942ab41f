"""Journey 3: programme staff sign in with their authenticator code, enrol SMEs, select
managers, start a matching run on the worker and watch it finish, confirm it, validate a
report, and see the dashboard's figures (and its charts, drawn by dashboard.js) move."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from assessments.models import Assessment, AssessmentStatus
from managers.merit import CRITERIA_KEYS
from managers.models import ManagerStatus
from smes.models import ApplicationStatus
from tests.assessments.conftest import enrolled, selected
from tests.assessments.review_fixtures import full_report, make_assessment
from tests.factories import (
    PASSWORD,
    ApplicationFactory,
    CompanyFactory,
    ManagerFactory,
    ProgrammeFactory,
    SmeMemberFactory,
    StaffFactory,
)

pytestmark = pytest.mark.django_db(transaction=True)


def send(page, button) -> None:
    with page.expect_navigation():
        button.click()


def test_staff_enrol_select_match_validate_and_watch_the_dashboard(journey_factory):
    programme = ProgrammeFactory()
    staff = StaffFactory(language="en")
    applications = [
        ApplicationFactory(
            programme=programme,
            status=ApplicationStatus.SUBMITTED,
            company=CompanyFactory(province="MI", municipality="Milano", member=SmeMemberFactory()),
        )
        for _number in range(2)
    ]
    managers = [
        ManagerFactory(programme=programme, status=ManagerStatus.APPLIED, provinces=["MI"], capacity=1)
        for _number in range(2)
    ]
    # A report already submitted by a manager with no place left, for staff to validate.
    submitted = full_report(
        make_assessment(
            enrolled(programme, "BG", "Bergamo"),
            selected(programme, ["BG"], capacity=1),
            AssessmentStatus.SUBMITTED,
        )
    )

    journey = journey_factory("3-staff")
    page = journey.page
    journey.sign_in(staff, PASSWORD)
    journey.goto("/staff/", "dashboard before")
    figures = page.locator("main .figure-card").first
    expect(figures).to_contain_text("1 /")
    charts = page.locator("canvas[data-chart]")
    assert charts.count() > 0
    drawn = page.evaluate(
        "() => [...document.querySelectorAll('canvas[data-chart]')].filter(c => Chart.getChart(c)).length"
    )
    assert drawn > 0, "dashboard.js drew no chart"

    # What staff may not do: the administrators' financing decisions.
    journey.refused("/comitato/progetti/", 403, "the administrators' board")

    # Enrolling the two SMEs.
    journey.goto("/staff/candidature/", "applications")
    for number, application in enumerate(applications, start=1):
        send(page, page.locator(f"main a[href='/staff/candidature/{application.pk}/']").first)
        journey.check(f"application {number}")
        decide = page.locator(f"form[action='/staff/candidature/{application.pk}/ammissibilita/']")
        decide.locator("input[name=decision][value=eligible]").check()
        decide.locator("textarea[name=reason]").fill("Requirements checked.")
        send(page, decide.locator("button[type=submit]"))
        journey.check(f"application {number} eligible")
        send(page, page.locator(f"form[action='/staff/candidature/{application.pk}/iscrivi/'] button"))
        journey.check(f"application {number} enrolled")
        journey.goto("/staff/candidature/", f"applications after enrolling {number}")

    # Reviewing and selecting the two managers.
    journey.goto("/staff/manager/graduatoria/", "managers")
    for number, manager in enumerate(managers, start=1):
        journey.goto(f"/staff/manager/{manager.pk}/", f"manager {number}")
        review = page.locator(f"form[action='/staff/manager/{manager.pk}/valutazione/']")
        for key in CRITERIA_KEYS:
            review.locator(f"select[name={key}]").select_option("4")
        send(page, review.locator("button[type=submit]"))
        journey.check(f"manager {number} reviewed")
        select = page.locator("form:has(input[name=decision][value=select])")
        select.locator("textarea[name=reason]").fill("Solid profile.")
        send(page, select.locator("button[type=submit]"))
        journey.check(f"manager {number} selected")
        manager.refresh_from_db()
        assert manager.status == ManagerStatus.SELECTED

    # The matching run: started on the page, computed by the worker, followed by matching.js.
    journey.goto("/staff/abbinamento/", "matching")
    send(page, page.locator("form[action='/staff/abbinamento/avvia/'] button"))
    confirm = page.locator("form[action$='/conferma/'] button")
    expect(confirm).to_be_enabled(timeout=60_000)
    journey.check("run finished with its proposals")
    send(page, confirm)
    journey.check("proposals confirmed")
    assert Assessment.objects.filter(status=AssessmentStatus.ASSIGNED).count() == 2

    # Validating the submitted report.
    journey.goto("/staff/valutazioni/", "assessments")
    journey.goto(f"/staff/valutazioni/{submitted.pk}/", "submitted report")
    send(page, page.locator(f"form[action='/staff/valutazioni/{submitted.pk}/completa/'] button"))
    journey.check("report validated")
    submitted.refresh_from_db()
    assert submitted.status == AssessmentStatus.COMPLETED

    # The dashboard's figures have moved: three SMEs enrolled instead of one. The first
    # request after the changes shows the figures of before them while the worker computes
    # the new ones; dashboard_refresh.js reloads the page once they are there.
    page.goto("/staff/")
    expect(page.get_by_text("the new ones are being computed")).to_have_count(0, timeout=30_000)
    page.wait_for_load_state("load")
    journey.check("dashboard after")
    expect(page.locator("main .figure-card").first).to_contain_text("3 /")
    journey.finish()
