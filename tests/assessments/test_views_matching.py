"""The matching pages and the manager's answer, as each persona uses them."""

import pytest
from django.db.models import F
from django.test import Client
from django.urls import reverse

from assessments import services
from assessments.models import Assessment, AssessmentStatus, MatchingRun, RunStatus
from programme.models import Programme
from smes import services as sme_services
from smes.models import ApplicationStatus
from tests import celery_queue
from tests.assessments.conftest import enrolled, selected
from tests.conftest import sign_in
from tests.factories import ManagerUserFactory

pytestmark = pytest.mark.django_db

LOGIN = "login"


@pytest.fixture
def proposed(pool, staff_user, django_capture_on_commit_callbacks) -> MatchingRun:
    with django_capture_on_commit_callbacks(execute=True):
        run = services.matching_run_start(programme=pool.programme, by=staff_user)
    celery_queue.run_all()
    run.refresh_from_db()
    return run


@pytest.fixture
def assigned(proposed, staff_user, django_capture_on_commit_callbacks) -> dict[int, Assessment]:
    with django_capture_on_commit_callbacks(execute=True):
        services.matching_run_confirm(run=proposed, by=staff_user)
    celery_queue.take_all()
    return {assessment.application_id: assessment for assessment in Assessment.objects.all()}


def expect(response, expected):
    if expected == LOGIN:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
    else:
        assert response.status_code == expected


STAFF_ONLY = {"anonymous": LOGIN, "sme_member": 403, "manager": 403, "staff": 200, "administrator": 403}


def test_the_staff_pages_answer_each_persona_by_the_refusal_rule(persona_clients, proposed):
    for url in (
        reverse("assessments:matching"),
        reverse("assessments:run", args=[proposed.pk]),
        reverse("assessments:run_status", args=[proposed.pk]),
    ):
        for persona, expected in STAFF_ONLY.items():
            expect(persona_clients[persona].get(url), expected)


def test_refused_posts_change_nothing(persona_clients, proposed):
    proposal = proposed.proposals.first()
    posts = [
        (reverse("assessments:matching_start"), {}),
        (reverse("assessments:run_confirm", args=[proposed.pk]), {}),
        (reverse("assessments:run_discard", args=[proposed.pk]), {}),
        (reverse("assessments:proposal_drop", args=[proposal.pk]), {"dropped": "1"}),
        (
            reverse("assessments:proposal_swap", args=[proposal.pk]),
            {"manager": proposal.alternatives[0]["manager"]},
        ),
    ]
    for persona in ("anonymous", "sme_member", "manager", "administrator"):
        for url, data in posts:
            expect(persona_clients[persona].post(url, data), STAFF_ONLY[persona])
    proposed.refresh_from_db()
    proposal.refresh_from_db()
    assert proposed.status == RunStatus.PROPOSED
    assert not proposal.dropped and not proposal.swapped
    assert MatchingRun.objects.count() == 1
    assert not Assessment.objects.exists()


def test_staff_start_follow_and_confirm_a_run_through_the_pages(
    staff_client, pool, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(reverse("assessments:matching_start"))
    run = MatchingRun.objects.get()
    assert response["Location"] == reverse("assessments:run", args=[run.pk])
    page = staff_client.get(response["Location"]).content.decode()
    assert 'id="run-progress"' in page
    assert staff_client.get(reverse("assessments:run_status", args=[run.pk])).json()["status"] == "queued"

    celery_queue.run_all()
    status = staff_client.get(reverse("assessments:run_status", args=[run.pk])).json()
    assert status["finished"] is True
    assert [item["stage"] for item in status["stages"]] == ["loading", "scoring", "solving", "saving", "done"]
    page = staff_client.get(reverse("assessments:run", args=[run.pk])).content.decode()
    assert pool.milan.company.legal_name in page
    assert pool.mantua.company.legal_name in page  # among those left without a manager

    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(reverse("assessments:run_confirm", args=[run.pk]))
    assert Assessment.objects.filter(status=AssessmentStatus.ASSIGNED).count() == 2


def test_a_second_start_is_refused_with_a_message(staff_client, pool, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(reverse("assessments:matching_start"))
    response = staff_client.post(reverse("assessments:matching_start"), follow=True)
    assert MatchingRun.objects.count() == 1
    assert "already under way" in response.content.decode() or "già in corso" in response.content.decode()


def test_the_manager_sees_the_sme_without_contacts_then_accepts(manager_client, pool, assigned):
    assessment = assigned[pool.milan.pk]
    assert assessment.manager == pool.first
    url = reverse("assessments:answer", args=[assessment.pk])
    page = manager_client.get(url).content.decode()
    assert pool.milan.company.legal_name in page
    assert pool.milan.contact_email not in page
    response = manager_client.post(reverse("assessments:accept", args=[assessment.pk]))
    assert response["Location"] == url
    assert pool.milan.contact_email in manager_client.get(url).content.decode()
    home = manager_client.get(reverse("home:manager")).content.decode()
    assert pool.milan.company.legal_name in home


def test_declining_without_a_reason_is_told_next_to_the_field(manager_client, pool, assigned):
    assessment = assigned[pool.milan.pk]
    response = manager_client.post(reverse("assessments:decline", args=[assessment.pk]), {"reason": ""})
    assert response.status_code == 400
    assert "reason" in response.context["decline_form"].errors
    assessment.refresh_from_db()
    assert assessment.status == AssessmentStatus.ASSIGNED


def test_the_manager_declines_through_the_page(manager_client, pool, assigned):
    assessment = assigned[pool.milan.pk]
    response = manager_client.post(
        reverse("assessments:decline", args=[assessment.pk]), {"reason": "Ho lavorato per un concorrente."}
    )
    assert response["Location"] == reverse("home:manager")
    assessment.refresh_from_db()
    assert assessment.status == AssessmentStatus.DECLINED


def test_another_managers_assessment_answers_404(manager_client, pool, assigned):
    theirs = assigned[pool.bergamo.pk]
    assert theirs.manager != pool.first
    assert manager_client.get(reverse("assessments:answer", args=[theirs.pk])).status_code == 404
    assert manager_client.post(reverse("assessments:accept", args=[theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == AssessmentStatus.ASSIGNED


def test_the_answer_page_is_for_managers_only(persona_clients, pool, assigned):
    url = reverse("assessments:answer", args=[assigned[pool.milan.pk].pk])
    expectations = {"anonymous": LOGIN, "sme_member": 403, "staff": 403, "administrator": 403, "manager": 200}
    for persona, expected in expectations.items():
        expect(persona_clients[persona].get(url), expected)


def test_an_answered_assessment_cannot_be_answered_again(manager_client, pool, assigned):
    assessment = assigned[pool.milan.pk]
    manager_client.post(reverse("assessments:accept", args=[assessment.pk]))
    response = manager_client.post(
        reverse("assessments:decline", args=[assessment.pk]), {"reason": "Ripensamento"}
    )
    assert response.status_code == 403
    assessment.refresh_from_db()
    assert assessment.status == AssessmentStatus.ACCEPTED


def test_the_sme_meets_its_manager_once_accepted(pool, assigned, manager_client):
    member = pool.milan.company.members.get()
    client = sign_in(Client(), member)
    assessment = assigned[pool.milan.pk]
    manager_email = assessment.manager.user.email
    assert manager_email not in client.get(reverse("home:sme")).content.decode()
    manager_client.post(reverse("assessments:accept", args=[assessment.pk]))
    assert manager_email in client.get(reverse("home:sme")).content.decode()


# session, user, roles, programme (idle time), run, proposals, alternative managers,
# unmatched SMEs, timeline, current programme (layout)
QUERIES_RUN_PAGE = 10


def test_the_run_page_makes_the_same_number_of_queries_whatever_its_size(
    staff_client, pool, django_capture_on_commit_callbacks, django_assert_num_queries
):
    def run_and_count(extra: int) -> None:
        for _number in range(extra):
            enrolled(pool.programme, "MI", "Milano")
            selected(pool.programme, ["MI"], capacity=1, user=ManagerUserFactory())
        MatchingRun.objects.filter(status=RunStatus.PROPOSED).update(status=RunStatus.DISCARDED)
        with django_capture_on_commit_callbacks(execute=True):
            run = services.matching_run_start(programme=pool.programme, by=pool_staff(staff_client))
        celery_queue.run_all()
        url = reverse("assessments:run", args=[run.pk])
        staff_client.get(url)
        with django_assert_num_queries(QUERIES_RUN_PAGE):
            staff_client.get(url)

    run_and_count(0)
    run_and_count(12)


def pool_staff(client):
    from programme.models import User

    return User.objects.get(pk=client.session["_auth_user_id"])


# Session, user, roles, the programme, the unread notifications, the programme's change mark
# and the figures before a run read back (programme.figures), the latest runs (the one under
# way among them).
QUERIES_MATCHING_PAGE = 8


@pytest.mark.parametrize("smes", [1, 6])
def test_the_matching_page_makes_the_same_queries_whatever_the_size(
    staff_client, pool, smes, django_assert_num_queries
):
    for _ in range(smes):
        enrolled(pool.programme, "MI", "Milano")
    staff_client.get(reverse("assessments:matching"))  # the figures computed and kept
    with django_assert_num_queries(QUERIES_MATCHING_PAGE):
        page = staff_client.get(reverse("assessments:matching"))
    assert page.context["waiting"] == 3 + smes
    assert page.context["places"] == {"managers": 2, "places": 3}


def test_the_matching_page_follows_an_enrolment_at_once(staff_client, staff_user, pool):
    waiting = staff_client.get(reverse("assessments:matching")).context["waiting"]
    application = enrolled(pool.programme, "MI", "Milano")
    application.status = ApplicationStatus.WAITLISTED
    application.waitlist_position = 1
    application.save(update_fields=["status", "waitlist_position"])
    Programme.objects.filter(pk=pool.programme.pk).update(assessment_quota=F("enrolled_count") + 1)
    sme_services.application_enrol(application=application, by=staff_user)
    assert staff_client.get(reverse("assessments:matching")).context["waiting"] == waiting + 1


def test_the_matching_page_names_the_run_under_way(staff_client, staff_user, pool):
    older = MatchingRun.objects.create(programme=pool.programme, started_by=staff_user, weights={})
    MatchingRun.objects.filter(pk=older.pk).update(status=RunStatus.DISCARDED)
    assert staff_client.get(reverse("assessments:matching")).context["active"] is None
    queued = services.matching_run_start(programme=pool.programme, by=staff_user)
    page = staff_client.get(reverse("assessments:matching"))
    assert page.context["active"] == queued
    assert reverse("assessments:run", args=[queued.pk]) in page.content.decode()
