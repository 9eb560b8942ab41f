"""The national build renders its past notifications once per shape (MessageRenderer):
every message must be the one render_message() writes for that row."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from assessments.models import Assessment, AssessmentStatus
from managers.models import Manager, ManagerStatus
from programme.home import demo
from programme.models import Language
from programme.notifications import render_message
from smes.models import Application, ApplicationStatus, CompanyMembership

pytestmark = pytest.mark.django_db


@pytest.fixture
def context():
    return demo.rebuild()


def messages(context, renderer):
    """The demo's messages of every event the history writes, rendered both ways."""
    programme = context.programme
    members = {item.company_id: item.user for item in CompanyMembership.objects.select_related("user")}
    for application in Application.objects.filter(status=ApplicationStatus.ENROLLED).select_related(
        "company"
    ):
        arguments = dict(application=application, company=application.company, programme=programme)
        member = members[application.company_id]
        yield member, "sme_application_enrolled", "https://portal.example/pmi/", arguments
    for manager in Manager.objects.filter(status=ManagerStatus.SELECTED).select_related("user"):
        arguments = dict(reason=manager.decision_reason, programme=programme)
        yield manager.user, "manager_selected", "https://portal.example/m/", arguments
    for assessment in Assessment.objects.select_related("application__company", "manager__user"):
        company = assessment.application.company
        arguments = dict(company=company.legal_name, due=assessment.answer_due_on)
        yield (
            assessment.manager.user,
            "assessment_assigned",
            f"https://portal.example/a/{assessment.pk}/",
            arguments,
        )
        if assessment.status == AssessmentStatus.COMPLETED:
            arguments = dict(company=company.legal_name, manager=assessment.manager.user)
            yield members[company.pk], "review_completed_sme", "https://portal.example/r/", arguments
    for amount in (Decimal("48000.00"), Decimal("48000.0"), Decimal("1234567.5")):
        arguments = dict(project="Nuovo ERP", company="Rossi S.r.l.", amount=amount)
        yield context.accounts["sme_member"], "financing_approved", "https://portal.example/p/", arguments


def test_every_message_of_the_demos_history_is_the_one_render_message_writes(context):
    renderer = demo.MessageRenderer()
    count = 0
    for recipient, event, link, arguments in messages(context, renderer):
        assert renderer.render(recipient, event, link=link, **arguments) == render_message(
            recipient, event, link=link, **arguments
        ), event
        count += 1
    assert count > 300
    # Far fewer renderings than rows: one per event, language and date or amount.
    assert len(renderer._shapes) < count / 2


def test_texts_that_html_escapes_and_whitespace_come_out_as_render_message_writes_them(context):
    """Names with apostrophes, ampersands and angle brackets (escaped in HTML, and in the
    plain-text templates that do not turn escaping off), runs of spaces in a subject, a
    reason given or not, and an English recipient."""
    renderer = demo.MessageRenderer()
    manager = context.accounts["manager"]
    manager.first_name = "D'Angelo <Luca>"
    manager.language = Language.ENGLISH
    sme = context.accounts["sme_member"]
    for company in ("Ferri & Figli dell'Adda S.r.l.", "Spazi   Multipli  S.n.c.", 'Il "Molino" <Srl>'):
        cases = [
            (manager, "assessment_assigned", dict(company=company, due=datetime.date(2026, 5, 4))),
            (sme, "review_completed_sme", dict(company=company, manager=manager)),
            (manager, "manager_selected", dict(reason=f"Ottimo & {company}", programme=context.programme)),
            (manager, "manager_selected", dict(reason="", programme=context.programme)),
            (sme, "financing_approved", dict(project=company, company=company, amount=Decimal("1500.5"))),
        ]
        for recipient, event, arguments in cases:
            link = "https://portal.example/x/?a=1&b='2'"
            assert renderer.render(recipient, event, link=link, **arguments) == render_message(
                recipient, event, link=link, **arguments
            ), (event, company)


def test_a_value_a_template_formats_given_as_text_is_noticed_on_the_first_row(context):
    """An amount given as text would stand as a marker that floatformat cannot read: the
    first row, rendered in full too, shows it, before thousands of inboxes get it wrong."""
    renderer = demo.MessageRenderer()
    with pytest.raises(RuntimeError):
        renderer.render(
            context.accounts["sme_member"],
            "financing_approved",
            link="https://portal.example/p/",
            project="Nuovo ERP",
            company="Rossi S.r.l.",
            amount="1500.5",
        )
