"""Journey 4: an administrator reviews an eligible project against the envelope and approves
it; a second administrator completes the approval; the SME is told (its e-mail, sent by the
worker, and its notifications page)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from projects.models import ProjectStatus
from tests.e2e import others
from tests.factories import PASSWORD, AdministratorFactory, ProgrammeFactory, SmeMemberFactory
from tests.projects.financing_fixtures import make_project

pytestmark = pytest.mark.django_db(transaction=True)


def send(page, button) -> None:
    with page.expect_navigation():
        button.click()


def test_two_administrators_approve_a_project_and_the_sme_is_told(journey_factory, mail_dir):
    programme = ProgrammeFactory(two_administrators_required=True)
    first = AdministratorFactory()
    second = AdministratorFactory()
    member = SmeMemberFactory()
    project = make_project(programme, member=member)
    company = project.assessment.application.company

    journey = journey_factory("4-administrator")
    page = journey.page
    journey.sign_in(first, PASSWORD, label="first administrator")
    journey.goto("/comitato/", "financing home")
    journey.goto("/comitato/progetti/", "projects to decide")
    expect(page.get_by_text(company.legal_name).first).to_be_visible()
    send(page, page.locator(f"main a[href='/finanziamento/progetti/{project.pk}/']").first)
    journey.check("the project against the envelope")

    # What an administrator may not do: staff's decision on the project's eligibility.
    journey.refused(f"/staff/progetti/{project.pk}/", 403, "staff's eligibility page")

    page.goto(f"/finanziamento/progetti/{project.pk}/")
    send(page, page.locator(f"form[action='/finanziamento/progetti/{project.pk}/approva/'] button"))
    journey.check("first approval")
    project.refresh_from_db()
    assert project.status == ProjectStatus.AWAITING_SECOND_APPROVAL

    # The second administrator, in a browser of their own.
    other = journey.new_page()
    journey.sign_in(second, PASSWORD, page=other, label="second administrator")
    journey.goto(f"/finanziamento/progetti/{project.pk}/", "project awaiting a second approval", other)
    send(other, other.locator(f"form[action='/finanziamento/progetti/{project.pk}/approva/'] button"))
    journey.check("approval completed", other)
    project.refresh_from_db()
    assert project.status == ProjectStatus.APPROVED

    # The SME is told: by e-mail through the worker, and on its notifications page.
    link = others.link_in_mail(mail_dir, member.email, rf"http://\S+/progetti/{project.pk}/")
    assert link
    sme = journey.new_page()
    journey.sign_in(member, PASSWORD, page=sme, label="SME member")
    journey.goto("/notifiche/", "the SME's notifications", sme)
    send(sme, sme.locator("main a[href^='/notifiche/']").first)
    journey.check("the SME's notification of the approval", sme)
    expect(sme.locator("main")).to_contain_text(project.title)
    journey.finish()
