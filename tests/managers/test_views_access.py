"""Every page of the manager pool against every persona: anonymous users are sent to
sign in, another role gets 403, another manager's objects 404; refused POSTs change nothing."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from managers.models import Manager, ManagerStatus, MeritReview, ReviewConflict, UnavailabilityPeriod
from programme.models import AuditEntry, Notification
from tests.factories import ManagerFactory, review

pytestmark = pytest.mark.django_db

LOGIN = "login"
OK = 200
PERSONAS = ("anonymous", "sme_member", "manager", "staff", "administrator")


@pytest.fixture
def world(programme, manager_user, other_manager_user, staff_user):
    """The manager persona in the pool with a CV and a period; another manager applied and reviewed."""
    own = ManagerFactory(programme=programme, user=manager_user, status=ManagerStatus.SELECTED)
    other = ManagerFactory(programme=programme, user=other_manager_user)
    today = timezone.localdate()
    own_period = UnavailabilityPeriod.objects.create(
        manager=own, starts_on=today + datetime.timedelta(days=5), ends_on=today + datetime.timedelta(days=9)
    )
    other_period = UnavailabilityPeriod.objects.create(
        manager=other,
        starts_on=today + datetime.timedelta(days=5),
        ends_on=today + datetime.timedelta(days=9),
    )
    return {"own": own, "other": other, "own_period": own_period, "other_period": other_period}


MANAGER_PAGE = {"anonymous": LOGIN, "sme_member": 403, "manager": OK, "staff": 403, "administrator": 403}
STAFF_PAGE = {"anonymous": LOGIN, "sme_member": 403, "manager": 403, "staff": OK, "administrator": 403}

# (url name, which manager's pk or None) -> persona -> expected answer, written by hand.
GET_PAGES = {
    ("managers:profile", None): MANAGER_PAGE,
    ("managers:profile_edit", None): MANAGER_PAGE,
    ("managers:cv_upload", None): MANAGER_PAGE,
    ("managers:leave", None): MANAGER_PAGE,
    ("managers:unavailability", None): MANAGER_PAGE,
    ("managers:ranking", None): STAFF_PAGE,
    ("managers:pool", None): STAFF_PAGE,
    ("managers:pool_export", None): STAFF_PAGE,
    ("managers:detail", "other"): STAFF_PAGE,
    ("managers:detail", "own"): STAFF_PAGE,
    ("managers:cv_download", "own"): {**MANAGER_PAGE, "staff": OK},
    ("managers:cv_download", "other"): {**MANAGER_PAGE, "manager": 404, "staff": OK},
    ("home:manager", None): MANAGER_PAGE,
}


def url_of(name, target, world):
    return reverse(name, args=[world[target].pk]) if target else reverse(name)


@pytest.mark.parametrize(("name", "target"), sorted(GET_PAGES, key=str))
def test_every_page_answers_each_persona_by_the_refusal_rule(persona_clients, world, name, target):
    url = url_of(name, target, world)
    for persona, expected in GET_PAGES[(name, target)].items():
        response = persona_clients[persona].get(url)
        if expected == LOGIN:
            assert response.status_code == 302, persona
            assert response["Location"].startswith(reverse("account_login")), persona
        else:
            assert response.status_code == expected, (persona, name, target, response.status_code)


def test_submit_page_answers_each_persona(persona_clients, programme, manager_user):
    ManagerFactory(programme=programme, user=manager_user, status=ManagerStatus.DRAFT)
    url = reverse("managers:submit")
    answers = {persona: persona_clients[persona].get(url).status_code for persona in PERSONAS}
    assert answers == {
        "anonymous": 302,
        "sme_member": 403,
        "manager": 200,
        "staff": 403,
        "administrator": 403,
    }


def test_a_manager_without_a_row_sees_no_submit_or_leave_page(manager_client, programme):
    assert manager_client.get(reverse("managers:submit")).status_code == 404
    assert manager_client.get(reverse("managers:leave")).status_code == 404
    assert manager_client.get(reverse("managers:profile")).status_code == 200


def test_a_draft_is_invisible_to_staff(staff_client, programme):
    draft = ManagerFactory(programme=programme, status=ManagerStatus.DRAFT)
    assert staff_client.get(reverse("managers:detail", args=[draft.pk])).status_code == 404


def test_an_applicant_may_not_open_the_leave_page(manager_client, programme, manager_user):
    ManagerFactory(programme=programme, user=manager_user, status=ManagerStatus.APPLIED)
    assert manager_client.get(reverse("managers:leave")).status_code == 403


def snapshot():
    return {
        "statuses": sorted(Manager.objects.values_list("pk", "status")),
        "reviews": sorted(MeritReview.objects.values_list("pk", "weighted_score")),
        "conflicts": ReviewConflict.objects.count(),
        "periods": UnavailabilityPeriod.objects.count(),
        "audit": AuditEntry.objects.count(),
        "notifications": Notification.objects.count(),
    }


POSTS = {
    ("managers:review", "other"): {
        "experience": "5",
        "competence_relevance": "5",
        "digital_skills": "5",
        "interview": "5",
        "references": "5",
    },
    ("managers:conflict", "other"): {"note": "Ex collega"},
    ("managers:decide", "other"): {"decision": "not_select", "reason": "No"},
    ("managers:decide", "own"): {"decision": "suspend", "reason": "No"},
    ("managers:recompute", None): {},
    ("managers:unavailability_delete", "other_period"): {},
    ("managers:leave", None): {"confirm": "on"},
    ("managers:unavailability", None): {"starts_on": "2099-01-01", "ends_on": "2099-01-05"},
    ("managers:submit", None): {"truthful_declaration": "on"},
    ("managers:profile_edit", None): {"first_name": "X", "last_name": "Y", "capacity": "1"},
    ("managers:cv_upload", None): {},
}

STAFF_ONLY = {"managers:review", "managers:conflict", "managers:decide", "managers:recompute"}


@pytest.mark.parametrize(("name", "target"), sorted(POSTS, key=str))
def test_a_refused_post_leaves_the_database_unchanged(persona_clients, world, staff_user, name, target):
    review(world["other"], staff_user)
    before = snapshot()
    url = url_of(name, target, world)
    refused = ["anonymous", "sme_member", "administrator"]
    refused += ["manager"] if name in STAFF_ONLY else ["staff"]
    for persona in refused:
        response = persona_clients[persona].post(url, POSTS[(name, target)])
        assert response.status_code in (302, 403), (persona, response.status_code)
        if response.status_code == 302:
            assert response["Location"].startswith(reverse("account_login")), persona
        assert snapshot() == before, persona


def test_a_manager_cannot_remove_another_managers_period(manager_client, world):
    before = snapshot()
    response = manager_client.post(reverse("managers:unavailability_delete", args=[world["other_period"].pk]))
    assert response.status_code == 404
    assert snapshot() == before


def test_staff_may_not_decide_on_their_own_application(staff_client, staff_user, programme):
    from django.contrib.auth.models import Group

    from programme.roles import Role

    staff_user.groups.add(Group.objects.get_or_create(name=Role.MANAGER)[0])
    own = ManagerFactory(programme=programme, user=staff_user)
    review(own, ManagerFactory(programme=programme).user)
    before = snapshot()
    response = staff_client.post(reverse("managers:decide", args=[own.pk]), {"decision": "select"})
    assert response.status_code == 403
    response = staff_client.post(
        reverse("managers:review", args=[own.pk]), POSTS[("managers:review", "other")]
    )
    assert response.status_code == 403
    assert snapshot() == before
