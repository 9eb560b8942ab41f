"""The proposal's pages as each persona uses them: who sees a project, the company and
its manager writing the draft step by step, the submission, staff's list, export and
eligibility page."""

from __future__ import annotations

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from programme.models import Notification, User
from projects.checklist import JUDGEMENT_KEYS
from projects.models import Milestone, Project, ProjectStatus
from projects.proposal import services
from tests.conftest import sign_in
from tests.factories import ManagerUserFactory, SmeMemberFactory
from tests.projects.proposal_fixtures import *  # noqa: F403
from tests.projects.proposal_fixtures import completed_assessment, fill_in

pytestmark = pytest.mark.django_db

LOGIN = "login"
STAFF_ONLY = {"anonymous": LOGIN, "sme_member": 403, "manager": 403, "staff": 200, "administrator": 403}


@pytest.fixture(autouse=True)
def everyone_reads_english(sme_member, manager_user, staff_user):
    """The pages' words are checked in English, the source language."""
    User.objects.filter(pk__in=[sme_member.pk, manager_user.pk, staff_user.pk]).update(language="en")


def expect(response, expected) -> None:
    if expected == LOGIN:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
    else:
        assert response.status_code == expected, response.content[:500]


def step_url(project: Project, slug: str) -> str:
    return reverse("proposal:edit", args=[project.pk, slug])


def plan_post(rows: list[tuple[str, datetime.date, str]]) -> dict[str, str]:
    data = {
        "milestones-TOTAL_FORMS": str(len(rows) + 1),
        "milestones-INITIAL_FORMS": "0",
        "milestones-MIN_NUM_FORMS": "0",
        "milestones-MAX_NUM_FORMS": "12",
    }
    for index, (title, due_on, tranche) in enumerate(rows):
        data |= {
            f"milestones-{index}-title": title,
            f"milestones-{index}-description": "",
            f"milestones-{index}-due_on": due_on.isoformat(),
            f"milestones-{index}-tranche": tranche,
        }
    return data


# Who sees a project ------------------------------------------------------------------------


def test_before_a_decision_only_the_company_and_its_manager_see_the_project(
    persona_clients, draft, other_manager_user
):
    url = reverse("proposal:detail", args=[draft.pk])
    expected = {"anonymous": LOGIN, "sme_member": 200, "manager": 200, "staff": 403, "administrator": 403}
    for persona, status in expected.items():
        expect(persona_clients[persona].get(url), status)
    # Another company's member and another manager: not found.
    expect(sign_in(persona_clients["anonymous"].__class__(), SmeMemberFactory()).get(url), 404)
    expect(sign_in(persona_clients["anonymous"].__class__(), ManagerUserFactory()).get(url), 404)
    # Staff read it on their own page.
    expect(persona_clients["staff"].get(reverse("proposal:staff_detail", args=[draft.pk])), 200)


def test_staff_pages_answer_each_persona_by_the_refusal_rule(persona_clients, submitted_project):
    for url in (
        reverse("proposal:staff_list"),
        reverse("proposal:staff_export"),
        reverse("proposal:staff_detail", args=[submitted_project.pk]),
    ):
        for persona, expected in STAFF_ONLY.items():
            expect(persona_clients[persona].get(url), expected)


def test_another_companys_assessment_cannot_start_a_project(client, completed):
    sign_in(client, SmeMemberFactory())
    expect(client.get(reverse("proposal:start", args=[completed.pk])), 404)
    expect(client.post(reverse("proposal:start", args=[completed.pk])), 404)
    assert not Project.objects.exists()


def test_a_project_of_another_programme_is_not_found_by_staff(staff_client, submitted_project, programme):
    from programme.models import Programme

    elsewhere = Programme.objects.create(name="Altro programma", slug="altro")
    Project.objects.filter(pk=submitted_project.pk).update(programme=elsewhere)
    expect(staff_client.get(reverse("proposal:staff_detail", args=[submitted_project.pk])), 404)


# The company and its manager write the draft ---------------------------------------------


def test_the_sme_home_offers_to_propose_then_links_the_project(sme_client, completed):
    home = sme_client.get(reverse("home:sme")).content.decode()
    assert reverse("proposal:start", args=[completed.pk]) in home
    assert "Propose a development project" in home
    page = sme_client.get(reverse("proposal:start", args=[completed.pk]))
    assert "The outline in your report" in page.content.decode()
    response = sme_client.post(reverse("proposal:start", args=[completed.pk]))
    project = Project.objects.get()
    assert response["Location"] == step_url(project, "progetto")
    home = sme_client.get(reverse("home:sme")).content.decode()
    assert reverse("proposal:detail", args=[project.pk]) in home
    # Starting again leads to the project, not to a second one.
    again = sme_client.get(reverse("proposal:start", args=[completed.pk]))
    assert again["Location"] == reverse("proposal:detail", args=[project.pk])


def test_the_company_writes_every_step_and_submits(sme_client, draft, completed, staff_user):
    recommendation = completed.recommendations.first()
    response = sme_client.post(
        step_url(draft, "progetto"),
        {
            "title": "Fabbrica connessa",
            "objectives": "Ridurre i fermi macchina",
            "recommendations": [recommendation.pk],
            "facilitator": completed.manager.pk,
        },
    )
    assert response["Location"] == step_url(draft, "piano-di-lavoro")
    today = timezone.localdate()
    response = sme_client.post(
        step_url(draft, "piano-di-lavoro"),
        plan_post(
            [
                ("Analisi", today + datetime.timedelta(days=30), "20000"),
                ("Collaudo", today + datetime.timedelta(days=200), "20000"),
            ]
        ),
    )
    assert response["Location"] == step_url(draft, "costi")
    response = sme_client.post(
        step_url(draft, "costi"),
        {"total_cost": "60000", "financing_requested": "40000", "own_share": "20000"},
    )
    assert response["Location"] == step_url(draft, "de-minimis")
    response = sme_client.post(step_url(draft, "de-minimis"), {"received": "15000", "confirmed": "on"})
    assert response["Location"] == reverse("proposal:detail", args=[draft.pk])
    page = sme_client.get(reverse("proposal:detail", args=[draft.pk])).content.decode()
    assert "The proposal is complete" in page
    assert "does not hold" not in page
    response = sme_client.post(reverse("proposal:submit", args=[draft.pk]))
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == ProjectStatus.SUBMITTED
    assert list(draft.milestones.values_list("title", flat=True)) == ["Analisi", "Collaudo"]
    assert Notification.objects.filter(recipient=staff_user, event="proposal_submitted_staff").exists()


def test_a_saved_plan_is_shown_again_and_kept_when_saved_unchanged(sme_client, ready):
    page = sme_client.get(step_url(ready, "piano-di-lavoro")).content.decode()
    assert "Installazione dei sensori" in page
    data = {
        "milestones-TOTAL_FORMS": "5",
        "milestones-INITIAL_FORMS": "3",
        "milestones-MIN_NUM_FORMS": "0",
        "milestones-MAX_NUM_FORMS": "12",
    }
    for index, milestone in enumerate(ready.milestones.order_by("position")):
        data |= {
            f"milestones-{index}-title": milestone.title,
            f"milestones-{index}-description": milestone.description,
            f"milestones-{index}-due_on": milestone.due_on.isoformat(),
            f"milestones-{index}-tranche": str(milestone.tranche),
        }
    data["milestones-1-DELETE"] = "on"
    response = sme_client.post(step_url(ready, "piano-di-lavoro"), {**data, "stay": "1"})
    assert response["Location"] == step_url(ready, "piano-di-lavoro")
    assert list(ready.milestones.values_list("title", flat=True)) == [
        "Analisi e progetto esecutivo",
        "Collaudo e formazione",
    ]


def test_a_step_with_errors_shows_them_beside_the_fields(sme_client, draft):
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    response = sme_client.post(step_url(draft, "piano-di-lavoro"), plan_post([("Analisi", yesterday, "100")]))
    assert response.status_code == 400
    assert "due today or later" in response.content.decode()
    response = sme_client.post(step_url(draft, "costi"), {"total_cost": "-5"})
    assert response.status_code == 400
    response = sme_client.post(step_url(draft, "de-minimis"), {"received": "100"})
    assert response.status_code == 400
    draft.refresh_from_db()
    assert not draft.de_minimis_declared
    expect(sme_client.get(step_url(draft, "non-esiste")), 404)


def test_the_draft_shows_the_checklist_as_it_stands(sme_client, ready):
    services.project_save_costs(
        project=ready,
        total_cost=Decimal("200000"),
        financing_requested=Decimal("40000"),
        own_share=Decimal("160000"),
        by=ready.created_by,
    )
    page = sme_client.get(reverse("proposal:detail", args=[ready.pk])).content.decode()
    assert "above the largest the programme finances" in page


def test_the_manager_writes_the_draft_but_the_company_declares_and_submits(manager_client, ready):
    response = manager_client.post(
        step_url(ready, "costi"),
        {"total_cost": "60000", "financing_requested": "40000", "own_share": "20000"},
    )
    assert response.status_code == 302
    page = manager_client.get(step_url(ready, "de-minimis")).content.decode()
    assert "made by a member of the company" in page
    expect(manager_client.post(step_url(ready, "de-minimis"), {"received": "0", "confirmed": "on"}), 403)
    expect(manager_client.post(reverse("proposal:submit", args=[ready.pk])), 403)
    ready.refresh_from_db()
    assert ready.status == ProjectStatus.DRAFT


def test_a_submitted_project_is_read_only(sme_client, submitted_project):
    expect(sme_client.get(step_url(submitted_project, "costi")), 403)
    expect(sme_client.post(step_url(submitted_project, "costi"), {"total_cost": "1"}), 403)
    page = sme_client.get(reverse("proposal:detail", args=[submitted_project.pk])).content.decode()
    assert "programme staff are checking its eligibility" in page


def test_submitting_an_incomplete_draft_says_what_is_missing(sme_client, draft):
    response = sme_client.post(reverse("proposal:submit", args=[draft.pk]), follow=True)
    assert "Add at least one milestone" in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == ProjectStatus.DRAFT


# Staff ---------------------------------------------------------------------------------------


def judge_post(decision: str, reason: str = "Coerente e sostenibile", **extra: str) -> dict[str, str]:
    data = {"decision": decision, "reason": reason}
    data |= {f"judgement_{key}": "on" for key in JUDGEMENT_KEYS}
    data |= {
        "score_assessment_fit": "9",
        "score_feasibility": "7",
        "score_impact": "8",
        "score_digital_green": "6",
    }
    data |= extra
    return data


def test_staff_declare_a_project_eligible_from_its_page(staff_client, submitted_project, sme_client):
    page = staff_client.get(reverse("proposal:staff_detail", args=[submitted_project.pk])).content.decode()
    assert "The de minimis ceiling holds" in page
    assert "Fit with the assessment" in page
    response = staff_client.post(
        reverse("proposal:staff_judge", args=[submitted_project.pk]), judge_post("eligible")
    )
    assert response.status_code == 302
    submitted_project.refresh_from_db()
    assert submitted_project.status == ProjectStatus.ELIGIBLE
    assert submitted_project.score == Decimal("7.65")
    company_page = sme_client.get(reverse("proposal:detail", args=[submitted_project.pk])).content.decode()
    assert "Coerente e sostenibile" in company_page


def test_staff_save_scores_then_decide_later(staff_client, submitted_project):
    response = staff_client.post(
        reverse("proposal:staff_judge", args=[submitted_project.pk]), judge_post("save", reason="")
    )
    assert response.status_code == 302
    submitted_project.refresh_from_db()
    assert submitted_project.status == ProjectStatus.SUBMITTED
    assert submitted_project.score == Decimal("7.65")


def test_a_refused_decision_shows_why(staff_client, submitted_project):
    response = staff_client.post(
        reverse("proposal:staff_judge", args=[submitted_project.pk]), judge_post("ineligible", reason="")
    )
    assert response.status_code == 400
    assert "Give the reason" in response.content.decode()
    response = staff_client.post(
        reverse("proposal:staff_judge", args=[submitted_project.pk]),
        judge_post("eligible", score_impact="11"),
    )
    assert response.status_code == 400
    submitted_project.refresh_from_db()
    assert submitted_project.status == ProjectStatus.SUBMITTED


def test_only_staff_judge_and_only_a_submitted_project(persona_clients, submitted_project, draft, programme):
    url = reverse("proposal:staff_judge", args=[submitted_project.pk])
    for persona in ("sme_member", "manager", "administrator"):
        expect(persona_clients[persona].post(url, judge_post("eligible")), 403)
    member = SmeMemberFactory()
    other = services.project_create(assessment=completed_assessment(programme, member), by=member)
    expect(
        persona_clients["staff"].post(
            reverse("proposal:staff_judge", args=[other.pk]), judge_post("eligible")
        ),
        403,
    )
    submitted_project.refresh_from_db()
    assert submitted_project.status == ProjectStatus.SUBMITTED


def test_the_list_filters_and_exports_what_it_shows(staff_client, submitted_project, programme):
    member = SmeMemberFactory()
    other = services.project_create(assessment=completed_assessment(programme, member), by=member)
    fill_in(other, member)
    page = staff_client.get(reverse("proposal:staff_list"), {"status": "submitted"}).content.decode()
    assert "1 project found." in page
    page = staff_client.get(reverse("proposal:staff_list"), {"status": "nonsense"}).content.decode()
    assert "2 projects found." in page
    response = staff_client.get(reverse("proposal:staff_export"), {"status": "submitted"})
    assert response["Content-Type"].startswith("text/csv")
    rows = list(
        csv.reader(io.StringIO(b"".join(response.streaming_content).decode().lstrip("\ufeff")), delimiter=";")
    )
    assert rows[0][0] == "Company"
    assert len(rows) == 2
    assert rows[1][3] == "Fabbrica connessa 4.0"
    assert rows[1][10] == "3"


def many_projects(programme, count: int) -> None:
    for index in range(count):
        member = SmeMemberFactory()
        project = services.project_create(assessment=completed_assessment(programme, member), by=member)
        if index % 2:
            services.project_submit(project=fill_in(project, member), by=member)


# The session and user, the roles, the programme (read once for view, context and navigation), the
# programme's change mark and its counts by status read back (programme.figures), the page of the
# list (its keys, then its rows), the unread notifications.
QUERIES_OF_THE_LIST = 9
# The first request after a change computes the counts by status and keeps them (the cache's
# size checked, the key looked up, the row written inside a savepoint).
QUERIES_TO_KEEP_THE_COUNTS = 6
# A client's first request saves its session (inside a savepoint).
SESSION_SAVED = 3


@pytest.mark.parametrize("size", [2, 6])
def test_the_list_makes_the_same_queries_whatever_its_size(
    staff_client, programme, size, django_assert_num_queries
):
    many_projects(programme, size)
    with django_assert_num_queries(QUERIES_OF_THE_LIST + QUERIES_TO_KEEP_THE_COUNTS + SESSION_SAVED):
        response = staff_client.get(reverse("proposal:staff_list"))
    assert response.status_code == 200
    assert f"{size} projects found." in response.content.decode()
    with django_assert_num_queries(QUERIES_OF_THE_LIST):
        again = staff_client.get(reverse("proposal:staff_list"))
    assert again.context["counts"] == response.context["counts"]
    # A search the counts by status do not answer: the list is counted.
    company = Project.objects.filter(programme=programme).values_list(
        "assessment__application__company__legal_name", flat=True
    )[0]
    with django_assert_num_queries(QUERIES_OF_THE_LIST + 1):
        found = staff_client.get(reverse("proposal:staff_list"), {"q": company})
    assert found.context["page"].paginator.count == len(found.context["page"].object_list) >= 1


def test_the_list_finds_projects_by_their_managers_name(staff_client, programme):
    many_projects(programme, 2)
    project = Project.objects.filter(programme=programme).select_related("facilitator__user").first()
    user = project.facilitator.user
    found = staff_client.get(reverse("proposal:staff_list"), {"manager": f"{user.first_name} {user.last_name}"})
    assert [row.pk for row in found.context["page"].object_list] == [project.pk]
    none = staff_client.get(reverse("proposal:staff_list"), {"manager": "Nessunomaiesistito"})
    assert list(none.context["page"].object_list) == []


def test_an_eligible_project_links_its_financing_page(
    sme_client, staff_client, submitted_project, staff_user
):
    financing = reverse("financing:detail", args=[submitted_project.pk])
    assert (
        financing
        not in sme_client.get(reverse("proposal:detail", args=[submitted_project.pk])).content.decode()
    )
    staff_client.post(reverse("proposal:staff_judge", args=[submitted_project.pk]), judge_post("eligible"))
    assert (
        financing in sme_client.get(reverse("proposal:detail", args=[submitted_project.pk])).content.decode()
    )
    staff_page = staff_client.get(
        reverse("proposal:staff_detail", args=[submitted_project.pk])
    ).content.decode()
    assert financing in staff_page
    assert "Staff&#x27;s assessment" in staff_page or "Staff's assessment" in staff_page


def test_staff_read_a_draft_without_judging_it(staff_client, draft):
    page = staff_client.get(reverse("proposal:staff_detail", args=[draft.pk])).content.decode()
    assert "The company is still writing this project" in page
    assert reverse("proposal:staff_judge", args=[draft.pk]) not in page


# The session, user and roles, the programme, the project with its company, one query for the project
# and each of its prefetched plan, recommendations and assessment, the timeline, the inbox count.
QUERIES_OF_THE_ELIGIBILITY_PAGE = 15


@pytest.mark.parametrize("milestones", [1, 8])
def test_the_eligibility_page_makes_the_same_queries_whatever_the_plan(
    staff_client, submitted_project, milestones, django_assert_num_queries
):
    Milestone.objects.filter(project=submitted_project).delete()
    Milestone.objects.bulk_create(
        Milestone(
            project=submitted_project,
            title=f"Tappa {index}",
            due_on=timezone.localdate() + datetime.timedelta(days=30 * (index + 1)),
            tranche=Decimal("1000"),
            position=index,
        )
        for index in range(milestones)
    )
    url = reverse("proposal:staff_detail", args=[submitted_project.pk])
    with django_assert_num_queries(QUERIES_OF_THE_ELIGIBILITY_PAGE):
        response = staff_client.get(url)
    assert response.status_code == 200
    assert f"Tappa {milestones - 1}" in response.content.decode()


def test_every_page_renders_for_readers_of_italian(sme_client, staff_client, ready, sme_member, staff_user):
    User.objects.filter(pk__in=[sme_member.pk, staff_user.pk]).update(language="it")
    for slug in ("progetto", "piano-di-lavoro", "costi", "de-minimis"):
        expect(sme_client.get(step_url(ready, slug), HTTP_ACCEPT_LANGUAGE="it"), 200)
    expect(sme_client.get(reverse("proposal:detail", args=[ready.pk]), HTTP_ACCEPT_LANGUAGE="it"), 200)
    services.project_submit(project=ready, by=sme_member)
    for url in (reverse("proposal:staff_list"), reverse("proposal:staff_detail", args=[ready.pk])):
        expect(staff_client.get(url, HTTP_ACCEPT_LANGUAGE="it"), 200)
    assert Notification.objects.get(recipient=staff_user).language == "it"
