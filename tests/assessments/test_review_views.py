"""Staff's assessment pages, as each persona uses them: the list, its filters and export,
one assessment, and the decisions taken from it."""

from __future__ import annotations

import csv
import datetime
import io
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from assessments import totals
from assessments.models import Assessment, AssessmentStatus
from assessments.review import queries, services
from managers.models import Manager, ManagerStatus
from programme.models import Programme
from programme.reference import AssessmentArea
from tests.assessments.conftest import enrolled, selected
from tests.assessments.review_fixtures import *  # noqa: F403
from tests.assessments.review_fixtures import (
    add_findings,
    add_recommendations,
    add_visits,
    make_assessment,
    many_assessments,
)

pytestmark = pytest.mark.django_db

LOGIN = "login"
STAFF_ONLY = {"anonymous": LOGIN, "sme_member": 403, "manager": 403, "staff": 200, "administrator": 403}


@pytest.fixture(autouse=True)
def staff_read_english(staff_user):
    """The pages' words are checked in English, the source language."""
    type(staff_user).objects.filter(pk=staff_user.pk).update(language="en")


def expect(response, expected) -> None:
    if expected == LOGIN:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
    else:
        assert response.status_code == expected


def listed(response) -> list[str]:
    return re.findall(r'href="/staff/valutazioni/\d+/">([^<]+)</a>', response.content.decode())


# Who may see and do what ----------------------------------------------------------------


def test_the_pages_answer_each_persona_by_the_refusal_rule(persona_clients, submitted):
    for url in (
        reverse("review:list"),
        reverse("review:export"),
        reverse("review:detail", args=[submitted.pk]),
    ):
        for persona, expected in STAFF_ONLY.items():
            expect(persona_clients[persona].get(url), expected)


def test_an_assessment_of_another_programme_is_not_found(staff_client, submitted, pool):
    elsewhere = Programme.objects.create(name="Altro programma", slug="altro")
    Assessment.objects.filter(pk=submitted.pk).update(programme=elsewhere)
    assert staff_client.get(reverse("review:detail", args=[submitted.pk])).status_code == 404
    assert staff_client.get(reverse("review:detail", args=[999999])).status_code == 404


def test_refused_posts_change_nothing(persona_clients, submitted, under_way, pool):
    newcomer = selected(pool.programme, ["MI", "BG"], capacity=1)
    posts = [
        (reverse("review:complete", args=[submitted.pk]), {}),
        (reverse("review:return", args=[submitted.pk]), {"comments": "Rivedere"}),
        (reverse("review:cancel", args=[submitted.pk]), {"reason": "Annullata"}),
        (reverse("review:hand_over", args=[under_way.pk]), {"manager": newcomer.pk, "reason": "Cambio"}),
    ]
    for persona in ("anonymous", "sme_member", "manager", "administrator"):
        for url, data in posts:
            expect(persona_clients[persona].post(url, data), STAFF_ONLY[persona])
    submitted.refresh_from_db()
    under_way.refresh_from_db()
    assert submitted.status == AssessmentStatus.SUBMITTED
    assert under_way.manager == pool.second


def test_an_action_the_status_does_not_allow_answers_403(staff_client, under_way, pool):
    completed = make_assessment(pool.mantua, selected(pool.programme, ["MN"], capacity=1), "completed")
    assert staff_client.post(reverse("review:complete", args=[under_way.pk])).status_code == 403
    assert (
        staff_client.post(reverse("review:return", args=[under_way.pk]), {"comments": "x"}).status_code == 403
    )
    assert (
        staff_client.post(reverse("review:cancel", args=[completed.pk]), {"reason": "x"}).status_code == 403
    )
    assert (
        staff_client.post(reverse("review:hand_over", args=[completed.pk]), {"reason": "x"}).status_code
        == 403
    )


# The decisions through the page ------------------------------------------------------------


def test_staff_read_the_submitted_report_and_complete_it(staff_client, submitted, pool):
    page = staff_client.get(reverse("review:detail", args=[submitted.pk]))
    content = page.content.decode()
    assert page.status_code == 200
    for label in AssessmentArea.labels:
        assert str(label) in content
    assert "La visita è durata meno di quanto indicato." in content  # the SME's dispute
    assert "Raccomandazione 2" in content
    # High priority first.
    assert (
        content.index("Raccomandazione 2")
        < content.index("Raccomandazione 3")
        < content.index("Raccomandazione 1")
    )
    assert reverse("review:complete", args=[submitted.pk]) in content

    response = staff_client.post(reverse("review:complete", args=[submitted.pk]))
    assert response.status_code == 302
    submitted.refresh_from_db()
    assert submitted.status == AssessmentStatus.COMPLETED
    page = staff_client.get(reverse("review:detail", args=[submitted.pk])).content.decode()
    assert reverse("review:complete", args=[submitted.pk]) not in page
    assert "Report validated: assessment completed" in page


def test_returning_without_comments_shows_the_error_beside_the_field(staff_client, submitted):
    response = staff_client.post(reverse("review:return", args=[submitted.pk]), {"comments": "   "})
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    assert response.context["return_form"].errors["comments"]
    submitted.refresh_from_db()
    assert submitted.status == AssessmentStatus.SUBMITTED


def test_staff_return_the_report_with_comments(staff_client, submitted):
    response = staff_client.post(
        reverse("review:return", args=[submitted.pk]), {"comments": "Aggiungere le evidenze sulla sicurezza."}
    )
    assert response.status_code == 302
    submitted.refresh_from_db()
    assert submitted.status == AssessmentStatus.IN_PROGRESS
    assert submitted.return_comments == "Aggiungere le evidenze sulla sicurezza."
    page = staff_client.get(reverse("review:detail", args=[submitted.pk])).content.decode()
    assert "Aggiungere le evidenze sulla sicurezza." in page


def test_staff_cancel_with_a_reason(staff_client, under_way, pool):
    response = staff_client.post(reverse("review:cancel", args=[under_way.pk]), {"reason": ""})
    assert response.status_code == 400
    assert response.context["cancel_form"].errors["reason"]
    response = staff_client.post(
        reverse("review:cancel", args=[under_way.pk]), {"reason": "L'impresa rinuncia."}
    )
    assert response.status_code == 302
    under_way.refresh_from_db()
    pool.second.refresh_from_db()
    assert under_way.status == AssessmentStatus.CANCELLED
    assert pool.second.open_assessments == 0


def test_staff_hand_an_assessment_to_a_manager_offered_on_the_page(staff_client, under_way, pool):
    newcomer = selected(pool.programme, ["BG"], capacity=1)
    full = selected(pool.programme, ["BG"], capacity=1)
    Manager.objects.filter(pk=full.pk).update(open_assessments=1)
    page = staff_client.get(reverse("review:detail", args=[under_way.pk]))
    offered = list(page.context["hand_over_form"].fields["manager"].queryset)
    assert newcomer in offered
    assert full not in offered  # no place left
    assert pool.second not in offered  # holds it already

    refused = staff_client.post(
        reverse("review:hand_over", args=[under_way.pk]), {"manager": full.pk, "reason": "x"}
    )
    assert refused.status_code == 400
    assert refused.context["hand_over_form"].errors["manager"]

    response = staff_client.post(
        reverse("review:hand_over", args=[under_way.pk]), {"manager": newcomer.pk, "reason": "Malattia"}
    )
    assert response.status_code == 302
    under_way.refresh_from_db()
    assert under_way.manager == newcomer
    page = staff_client.get(reverse("review:detail", args=[under_way.pk])).content.decode()
    assert f"Handed from {pool.second} to {newcomer}" in page


# The list -----------------------------------------------------------------------------------


def test_the_list_flags_overdue_assessments_and_managers_who_left(staff_client, pool):
    late = make_assessment(
        pool.milan, pool.first, "in_progress", due_on=timezone.localdate() - datetime.timedelta(days=2)
    )
    orphan = make_assessment(pool.bergamo, pool.second, "accepted")
    Manager.objects.filter(pk=pool.second.pk).update(status=ManagerStatus.LEFT)
    add_visits(late, count=3)  # three half days: 1.5 days

    response = staff_client.get(reverse("review:list"))
    content = response.content.decode()
    assert listed(response)[:2] == [
        late.application.company.legal_name,
        orphan.application.company.legal_name,
    ]
    assert "overdue" in content
    assert "left the pool" in content
    assert "1.5 of 10" in content
    assert response.context["counts"]["overdue"] == 1
    assert response.context["counts"]["manager_left"] == 1

    assert listed(staff_client.get(reverse("review:list"), {"overdue": "on"})) == [
        late.application.company.legal_name
    ]
    assert listed(staff_client.get(reverse("review:list"), {"manager_left": "on"})) == [
        orphan.application.company.legal_name
    ]


def test_the_list_filters_by_status_manager_province_and_sector(staff_client, pool):
    milan = make_assessment(pool.milan, pool.first, "in_progress")
    bergamo = make_assessment(pool.bergamo, pool.second, "submitted")
    mantua_application = enrolled(
        pool.programme, "MN", "Mantova", ateco_section="F", ateco_code="41.20.00", ateco_division="41"
    )
    mantua = make_assessment(mantua_application, pool.second, "completed")
    name = {a.pk: a.application.company.legal_name for a in (milan, bergamo, mantua)}
    url = reverse("review:list")

    assert listed(staff_client.get(url, {"status": "submitted"})) == [name[bergamo.pk]]
    # The manager by part of the name, both names, or the e-mail address.
    pool.second.user.first_name, pool.second.user.last_name = "Ottavia", "Zanardelli"
    pool.second.user.save(update_fields=["first_name", "last_name"])
    for search in ("zanard", "Ottavia Zanardelli", pool.second.user.email.upper()):
        assert sorted(listed(staff_client.get(url, {"manager": search}))) == sorted(
            [name[bergamo.pk], name[mantua.pk]]
        ), search
    assert listed(staff_client.get(url, {"manager": "Ottavia Nessuno"})) == []
    assert listed(staff_client.get(url, {"province": "MI"})) == [name[milan.pk]]
    assert listed(staff_client.get(url, {"sector": "F"})) == [name[mantua.pk]]
    # A value the form does not know is dropped, and the other filters still apply.
    assert listed(staff_client.get(url, {"status": "nonsense", "province": "BG"})) == [name[bergamo.pk]]


def test_the_csv_export_follows_the_filters_and_neutralises_formulas(staff_client, pool):
    dangerous = enrolled(pool.programme, "MI", "Milano", legal_name='=HYPERLINK("http://x")')
    assessment = make_assessment(dangerous, pool.second, "in_progress")
    add_visits(assessment, count=2)
    make_assessment(pool.bergamo, pool.first, "accepted")
    response = staff_client.get(reverse("review:export"), {"manager": pool.second.user.email})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(
        csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig")), delimiter=";")
    )
    assert rows[0][0] == "Company"
    assert len(rows) == 2
    assert rows[1][0] == '\'=HYPERLINK("http://x")'
    assert rows[1][rows[0].index("Days used")] == "1.00"
    assert rows[1][rows[0].index("Disputed visits")] == "1"
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)


@pytest.mark.parametrize("size", [3, 30])
@pytest.mark.parametrize(
    ("filters", "queries"),
    [
        # The list counted: a filter the counts by status do not answer.
        ({"province": "MI"}, 11),
        # The list's size read from the counts by status.
        ({}, 10),
        ({"status": "assigned"}, 10),
        ({"overdue": "on"}, 10),
    ],
)
def test_the_list_makes_the_same_number_of_queries_at_any_size(
    staff_client, programme, size, filters, queries, django_assert_num_queries
):
    many_assessments(programme, size)
    url = reverse("review:list")
    staff_client.get(url)  # warm the session's second-factor bookkeeping and the kept counts
    # Session, user, roles, current programme (view and idle check), unread notifications,
    # the programme's change mark and its counts by status read back (programme.figures),
    # the page's keys then its rows, average levels; the list's count when filtered.
    with django_assert_num_queries(queries):
        response = staff_client.get(url, filters)
    assert response.status_code == 200
    page = response.context["page"]
    assert page.paginator.count == len(list(page.paginator.object_list))


def test_the_list_counts_by_status_follow_a_change_at_once(staff_client, staff_user, programme):
    many_assessments(programme, 3)
    url = reverse("review:list")
    before = staff_client.get(url).context["counts"]
    assessment = Assessment.objects.filter(programme=programme, status=AssessmentStatus.ASSIGNED).first()
    services.assessment_cancel(assessment=assessment, reason="La PMI ha rinunciato.", by=staff_user)
    after = staff_client.get(url)
    assert after.context["counts"]["cancelled"] == before["cancelled"] + 1
    assert after.context["counts"]["assigned"] == before["assigned"] - 1
    assert after.context["page"].paginator.count == 3


@pytest.mark.parametrize("size", [1, 12])
def test_the_assessment_page_makes_the_same_number_of_queries_at_any_size(
    staff_client, pool, size, django_assert_num_queries
):
    assessment = make_assessment(pool.milan, pool.first, "submitted")
    add_visits(assessment, count=size)
    add_findings(assessment)
    add_recommendations(assessment, count=size + 2)
    url = reverse("review:detail", args=[assessment.pk])
    staff_client.get(url)
    with django_assert_num_queries(QUERIES_OF_THE_PAGE):
        response = staff_client.get(url)
    assert response.status_code == 200


# Session, user, roles, programme (view and idle check), unread notifications, the
# assessment, then with its outline and feedback, its visits, findings and
# recommendations, the timeline: fixed whatever the size.
QUERIES_OF_THE_PAGE = 11


# The dashboard's averages ------------------------------------------------------------------


def test_average_levels_cover_completed_assessments_only_in_one_query(pool, django_assert_num_queries):
    first = make_assessment(pool.milan, pool.first, "completed")
    second = make_assessment(pool.bergamo, pool.second, "completed")
    open_one = make_assessment(pool.mantua, selected(pool.programme, ["MN"], capacity=1), "submitted")
    add_findings(first, current=1, target=3)
    add_findings(second, current=2, target=5)
    add_findings(open_one, current=5, target=5)
    # Made complete directly, not by assessment_complete: the totals are rebuilt.
    totals.recount(pool.programme)
    with django_assert_num_queries(1):
        averages = queries.average_levels(pool.programme)
    assert [row.dimension for row in averages] == list(AssessmentArea.values)
    for row in averages:
        assert (row.current, row.target, row.assessments) == (Decimal("1.50"), Decimal("4.00"), 2)
        assert (row.current_score, row.target_score) == (30, 80)
    assert [row.is_eu for row in averages] == [True] * 6 + [False] * 4


def test_average_levels_are_empty_before_any_completion(programme):
    averages = queries.average_levels(programme)
    assert len(averages) == 10
    assert all(row.current is None and row.assessments == 0 for row in averages)
