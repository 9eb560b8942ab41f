"""The report's page and PDF, and the SME's feedback, as each persona uses them."""

from __future__ import annotations

import io
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation
from pypdf import PdfReader

from assessments.models import AssessmentStatus, Feedback, Recommendation, Visit
from programme.models import Notification
from programme.reference import AssessmentArea
from tests.assessments.reports_fixtures import *  # noqa: F403
from tests.assessments.reports_fixtures import assessment_with_report, set_status
from tests.conftest import sign_in
from tests.factories import SmeMemberFactory, StaffFactory

pytestmark = pytest.mark.django_db

LOGIN = "login"


def expect(response, expected) -> None:
    if expected == LOGIN:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
    else:
        assert response.status_code == expected, response.content[:500]


def urls(assessment) -> list[str]:
    return [
        reverse("reports:report", args=[assessment.pk]),
        reverse("reports:report_pdf", args=[assessment.pk]),
    ]


def test_a_completed_report_answers_each_persona_by_the_refusal_rule(persona_clients, report_case):
    expected = {"anonymous": LOGIN, "sme_member": 200, "manager": 200, "staff": 200, "administrator": 403}
    for url in urls(report_case.assessment):
        for persona, answer in expected.items():
            expect(persona_clients[persona].get(url), answer)


def test_other_managers_and_other_smes_get_404_and_staff_read_all(persona_clients, report_case):
    for url in urls(report_case.other):
        expect(persona_clients["sme_member"].get(url), 404)
        expect(persona_clients["manager"].get(url), 404)
        expect(persona_clients["staff"].get(url), 200)


def test_the_sme_reads_the_report_only_once_completed(persona_clients, report_case):
    set_status(report_case.assessment, AssessmentStatus.SUBMITTED)
    for url in urls(report_case.assessment):
        expect(persona_clients["sme_member"].get(url), 404)
        expect(persona_clients["manager"].get(url), 200)
        expect(persona_clients["staff"].get(url), 200)


@pytest.mark.parametrize(
    "status", [AssessmentStatus.ACCEPTED, AssessmentStatus.IN_PROGRESS, AssessmentStatus.CANCELLED]
)
def test_before_submission_there_is_no_report_for_anybody(persona_clients, report_case, status):
    set_status(report_case.assessment, status)
    for persona in ("sme_member", "manager", "staff"):
        expect(persona_clients[persona].get(urls(report_case.assessment)[0]), 404)


def test_a_manager_who_handed_the_assessment_over_no_longer_reads_it(persona_clients, report_case):
    report_case.assessment.manager = report_case.other_manager
    report_case.assessment.save(update_fields=["manager"])
    expect(persona_clients["manager"].get(urls(report_case.assessment)[0]), 404)


def test_the_page_shows_company_manager_chart_scores_and_prioritised_recommendations(
    manager_client, report_case
):
    response = manager_client.get(reverse("reports:report", args=[report_case.assessment.pk]))
    page = response.content.decode()
    assert "Meccanica Brambilla S.r.l." in page
    assert report_case.manager.user.get_full_name() in page
    # The chart is inline SVG with its title and description, and the same figures in a table.
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in page
    assert 'role="img"' in page and "<title id=" in page and "<desc id=" in page
    assert page.count('<th scope="row" class="fw-normal">') == len(AssessmentArea.values)
    # Six EU dimensions at 2, 3, 2, 1, 2, 2 (mean 2) and targets averaging 3.5.
    assert re.search(r">\s*40\s*</span> / 100", page)
    assert "70 / 100" in page
    # High first, then medium, then low.
    high, medium, low = (page.index(f"Raccomandazione {number}") for number in (2, 3, 1))
    assert high < medium < low
    # 2 half days (1 day) + 4 hours (0.5 day) + 2 half days (1 day).
    assert "2.5 of 10" in page or "2,5 of 10" in page or "2,5 su 10" in page


def test_the_chart_and_the_labels_follow_the_readers_language(manager_user, report_case):
    manager_user.language = "en"
    manager_user.save(update_fields=["language"])
    page = (
        sign_in(Client(), manager_user)
        .get(reverse("reports:report", args=[report_case.assessment.pk]))
        .content.decode()
    )
    assert "Current and target level per dimension" in page
    assert "Digital business strategy" in page


def pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return " ".join(" ".join((page.extract_text() or "") for page in reader.pages).split())


@pytest.mark.parametrize("language", ["en", "it"])
def test_the_pdf_is_a_real_pdf_with_the_company_and_every_dimension_in_the_readers_language(
    manager_user, report_case, language
):
    manager_user.language = language
    manager_user.save(update_fields=["language"])
    client = sign_in(Client(), manager_user)
    response = client.get(reverse("reports:report_pdf", args=[report_case.assessment.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response.content.startswith(b"%PDF-")
    text = pdf_text(response.content)
    assert "Meccanica Brambilla S.r.l." in text
    with translation.override(language):
        labels = [str(label) for label in AssessmentArea.labels]
        title = str(translation.gettext("Assessment report"))
    for label in labels:
        assert label in text, label
    assert title in text
    assert "Raccomandazione 1" in text


def test_the_report_page_makes_the_same_queries_at_two_sizes(
    manager_client, report_case, django_assert_num_queries
):
    small = report_case.assessment
    large = assessment_with_report(
        programme=report_case.programme, manager=report_case.manager, visits=14, recommendations=11
    )
    for assessment in (small, large):
        manager_client.get(reverse("reports:report", args=[assessment.pk]))  # warm the session
        with django_assert_num_queries(QUERIES_REPORT_PAGE):
            response = manager_client.get(reverse("reports:report", args=[assessment.pk]))
        assert response.status_code == 200


def test_the_report_page_for_the_sme_makes_the_same_queries_at_two_sizes(
    sme_client, report_case, django_assert_num_queries
):
    response = sme_client.get(reverse("reports:report", args=[report_case.assessment.pk]))
    assert response.status_code == 200
    with django_assert_num_queries(QUERIES_REPORT_PAGE_SME):
        sme_client.get(reverse("reports:report", args=[report_case.assessment.pk]))
    # More visits and recommendations, same queries.
    assessment = report_case.assessment
    for visit in list(assessment.visits.all()):
        for _ in range(4):
            visit.pk = None
            visit.save()
    for recommendation in list(assessment.recommendations.all()):
        for _ in range(3):
            recommendation.pk = None
            recommendation.save()
    assert Visit.objects.filter(assessment=assessment).count() == 15
    assert Recommendation.objects.filter(assessment=assessment).count() == 12
    with django_assert_num_queries(QUERIES_REPORT_PAGE_SME):
        sme_client.get(reverse("reports:report", args=[report_case.assessment.pk]))


# The session, the user, their roles; the assessment with its company, manager,
# programme, outline and feedback, then its visits, findings and recommendations; the
# current programme and the unread count for the layout. The SME's membership is read
# once more, to offer the feedback form.
QUERIES_REPORT_PAGE = 9
QUERIES_REPORT_PAGE_SME = 10


# Feedback -------------------------------------------------------------------------------


def test_the_sme_gives_feedback_once_and_staff_read_it(sme_client, staff_client, manager_client, report_case):
    staff = StaffFactory()
    url = reverse("reports:feedback", args=[report_case.assessment.pk])
    page = sme_client.get(reverse("reports:report", args=[report_case.assessment.pk])).content.decode()
    assert f'action="{url}"' in page
    response = sme_client.post(url, {"rating": "4", "comment": "Molto utile per il controllo di gestione."})
    assert response.status_code == 302
    feedback = Feedback.objects.get(assessment=report_case.assessment)
    assert (feedback.rating, feedback.comment) == (4, "Molto utile per il controllo di gestione.")
    # Staff are told, and read it on the report page; the manager does not see it.
    assert Notification.objects.filter(event="reports_feedback_staff", recipient=staff).exists()
    staff_page = staff_client.get(
        reverse("reports:report", args=[report_case.assessment.pk])
    ).content.decode()
    assert "Molto utile per il controllo di gestione." in staff_page
    manager_page = manager_client.get(
        reverse("reports:report", args=[report_case.assessment.pk])
    ).content.decode()
    assert "Molto utile per il controllo di gestione." not in manager_page
    # Once only.
    assert sme_client.post(url, {"rating": "1", "comment": "Ripensamento"}).status_code == 403
    assert Feedback.objects.get(assessment=report_case.assessment).rating == 4
    sme_page = sme_client.get(reverse("reports:report", args=[report_case.assessment.pk])).content.decode()
    assert f'action="{url}"' not in sme_page


def test_a_wrong_rating_is_shown_beside_the_field(sme_client, report_case):
    response = sme_client.post(reverse("reports:feedback", args=[report_case.assessment.pk]), {"rating": "9"})
    assert response.status_code == 400
    assert "is-invalid" in response.content.decode()
    assert not Feedback.objects.exists()


def test_feedback_is_refused_to_everybody_but_the_companys_members(persona_clients, report_case):
    url = reverse("reports:feedback", args=[report_case.assessment.pk])
    expect(persona_clients["anonymous"].post(url, {"rating": "5"}), LOGIN)
    for persona in ("manager", "staff", "administrator"):
        expect(persona_clients[persona].post(url, {"rating": "5"}), 403)
    other_member = sign_in(Client(), SmeMemberFactory())
    expect(other_member.post(url, {"rating": "5"}), 404)
    expect(
        persona_clients["sme_member"].post(
            reverse("reports:feedback", args=[report_case.other.pk]), {"rating": "5"}
        ),
        404,
    )
    assert not Feedback.objects.exists()


def test_feedback_before_completion_is_not_possible(sme_client, report_case):
    set_status(report_case.assessment, AssessmentStatus.SUBMITTED)
    response = sme_client.post(reverse("reports:feedback", args=[report_case.assessment.pk]), {"rating": "5"})
    assert response.status_code == 404
    assert not Feedback.objects.exists()


# The SME's home --------------------------------------------------------------------------


def test_the_sme_home_links_the_report_once_completed(sme_client, report_case):
    report_url = reverse("reports:report", args=[report_case.assessment.pk])
    assert report_url in sme_client.get(reverse("home:sme")).content.decode()
    set_status(report_case.assessment, AssessmentStatus.SUBMITTED)
    assert report_url not in sme_client.get(reverse("home:sme")).content.decode()
