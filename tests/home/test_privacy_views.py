"""The staff pages on a person's data: who reaches them, the search, the summary, the
download, the erasure form, and a number of queries that does not grow with the data."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from assessments.models import AssessmentStatus
from programme.models import AuditEntry, User
from programme.privacy import is_erased
from tests.assessments.review_fixtures import add_findings, add_recommendations, add_visits, make_assessment
from tests.factories import ApplicationFactory, SmeMemberFactory, StaffFactory
from tests.home.privacy_fixtures import *  # noqa: F403

pytestmark = pytest.mark.django_db

# Session, user, roles, the person, every section's count in one query, the two refusals
# (a manager still in a pool, open assessments), the companies left without members, the
# programme, unread notifications, and the session's save (begin, update, commit).
QUERIES_PERSON_PAGE = 13
QUERIES_DOWNLOAD = 37
QUERIES_SEARCH = 11
PAGES = ("home:people", "home:person", "home:person_download", "home:person_erase")


@pytest.fixture(autouse=True)
def english_staff(staff_user):
    """The pages' English text is read by most tests; one reads the Italian."""
    User.objects.filter(pk=staff_user.pk).update(language="en")


def test_the_pages_speak_italian_to_italian_staff(staff_client, staff_user, world):
    User.objects.filter(pk=staff_user.pk).update(language="it")
    page = staff_client.get(reverse("home:person", args=[world.member.pk])).content.decode()
    assert "Scarica i dati (JSON)" in page and "Cosa conserva il portale" in page


def url(name: str, person: User) -> str:
    return reverse(name) if name == "home:people" else reverse(name, args=[person.pk])


@pytest.mark.parametrize("name", PAGES)
def test_pages_answer_each_persona_by_the_refusal_rule(persona_clients, world, name):
    expected = {"anonymous": 302, "sme_member": 403, "manager": 403, "staff": 200, "administrator": 403}
    for persona, client in persona_clients.items():
        response = client.get(url(name, world.member))
        assert response.status_code == expected[persona], persona
        if persona == "anonymous":
            assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize("name", PAGES[1:])
def test_an_unknown_person_is_not_found(staff_client, name):
    assert staff_client.get(reverse(name, args=[987654])).status_code == 404


def test_staff_without_the_second_factor_reach_none_of_the_pages(world):
    client = Client()
    client.force_login(StaffFactory())
    for name in PAGES:
        response = client.get(url(name, world.member))
        assert response.status_code == 302, name
        assert response["Location"].startswith(reverse("account_login"))


def test_refused_erasure_posts_change_nothing(persona_clients, world):
    payload = {"email": world.member.email, "reason": "Richiesta"}
    for persona in ("anonymous", "sme_member", "manager", "administrator"):
        response = persona_clients[persona].post(url("home:person_erase", world.member), payload)
        assert response.status_code in (302, 403), persona
    assert not is_erased(User.objects.get(pk=world.member.pk))
    assert not AuditEntry.objects.filter(action="person_erased").exists()


def test_search_finds_people_by_address_or_by_every_word_of_their_name(staff_client, world):
    def found(text: str) -> list[int]:
        return [person.pk for person in staff_client.get(reverse("home:people"), {"q": text}).context["page"]]

    assert found("officine.example") == [world.member.pk]
    assert found("giulia bertolotti") == [world.member.pk]
    assert found("Bertolotti Giulia") == [world.member.pk]
    assert found("Giulia Castelnuovo") == []
    page = staff_client.get(reverse("home:people"), {"q": "roberto"})
    assert reverse("home:person", args=[world.manager_person.pk]) in page.content.decode()


def test_navigation_and_staff_home_lead_to_the_search(staff_client, programme):
    page = staff_client.get(reverse("home:staff")).content.decode()
    assert page.count(f'href="{reverse("home:people")}"') == 2


def test_summary_shows_what_is_held_and_why_erasure_must_wait(staff_client, world):
    from managers.models import Manager, ManagerStatus

    Manager.objects.filter(pk=world.manager.pk).update(status=ManagerStatus.SELECTED)
    response = staff_client.get(reverse("home:person", args=[world.manager_person.pk]))
    counts = {(row["app"], row["section"]): row["count"] for row in response.context["sections"]}
    assert counts[("managers", "profiles")] == 1
    assert counts[("assessments", "assessments_as_manager")] == 2
    assert counts[("programme", "open_sessions")] == 1
    page = response.content.decode()
    assert "Download the data (JSON)" in page
    assert "they must leave the pool, or not be selected" in page


def test_download_is_an_attachment_named_with_the_date_and_is_recorded(staff_client, staff_user, world):
    response = staff_client.get(reverse("home:person_download", args=[world.member.pk]))
    today = timezone.localdate()
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response["Content-Disposition"] == (
        f'attachment; filename="dati-persona-{world.member.pk}-{today:%Y-%m-%d}.json"'
    )
    document = json.loads(response.content)
    assert document["data"]["programme"]["account"]["email"] == world.member.email
    assert document["data"]["smes"]["applications"][0]["contact"]["email"] == world.member.email
    entry = AuditEntry.objects.get(action="person_data_exported")
    assert (entry.actor, entry.object_id) == (staff_user, str(world.member.pk))


def test_erasure_needs_the_persons_address_typed_and_a_reason(staff_client, world):
    address = url("home:person_erase", world.member)
    wrong = staff_client.post(address, {"email": "someone@else.example", "reason": "Richiesta"})
    assert wrong.status_code == 200
    assert "This is not the person&#x27;s e-mail address." in wrong.content.decode()
    no_reason = staff_client.post(address, {"email": world.member.email, "reason": ""})
    assert no_reason.status_code == 200 and "reason" in no_reason.context["form"].errors
    assert not is_erased(User.objects.get(pk=world.member.pk))


def test_erasure_through_the_page(staff_client, world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            url("home:person_erase", world.member),
            {"email": world.member.email.upper(), "reason": "Richiesta"},
        )
    assert response.status_code == 302
    assert response["Location"] == reverse("home:person", args=[world.member.pk])
    page = staff_client.get(response["Location"]).content.decode()
    assert "The person&#x27;s data is erased" in page
    assert f"Persona cancellata #{world.member.pk}" in page
    assert is_erased(User.objects.get(pk=world.member.pk))


def test_staff_erasing_themselves_through_the_page_are_told_why_not(staff_client, staff_user):
    response = staff_client.post(
        url("home:person_erase", staff_user), {"email": staff_user.email, "reason": "Prova"}
    )
    assert response.status_code == 200
    assert "You cannot erase your own data: another member of staff must do it." in response.content.decode()
    assert not is_erased(User.objects.get(pk=staff_user.pk))


def test_erasing_the_last_member_of_a_company_is_flagged(staff_client, world):
    world.other_member.company_membership.delete()
    page = staff_client.get(url("home:person_erase", world.member)).content.decode()
    assert "They are the only member of" in page


# A fixed number of queries, whatever the data.


def more_work(world, count: int) -> None:
    """`count` more completed assessments of the world's manager, each with a full report,
    and `count` more people to search through."""
    for _number in range(count):
        done = make_assessment(
            ApplicationFactory(programme=world.programme, status="enrolled"),
            world.manager,
            AssessmentStatus.COMPLETED,
        )
        add_visits(done)
        add_findings(done)
        add_recommendations(done)
        SmeMemberFactory(last_name="Rossi")


@pytest.mark.parametrize("extra", [0, 4])
def test_person_page_query_count_is_fixed(staff_client, world, django_assert_num_queries, extra):
    more_work(world, extra)
    with django_assert_num_queries(QUERIES_PERSON_PAGE):
        assert staff_client.get(reverse("home:person", args=[world.manager_person.pk])).status_code == 200


@pytest.mark.parametrize("extra", [0, 4])
def test_download_query_count_is_fixed(staff_client, world, django_assert_num_queries, extra):
    more_work(world, extra)
    with django_assert_num_queries(QUERIES_DOWNLOAD):
        assert (
            staff_client.get(reverse("home:person_download", args=[world.manager_person.pk])).status_code
            == 200
        )


@pytest.mark.parametrize("extra", [0, 30])
def test_search_query_count_is_fixed(staff_client, world, django_assert_num_queries, extra):
    for _number in range(extra):
        SmeMemberFactory()
    with django_assert_num_queries(QUERIES_SEARCH):
        assert staff_client.get(reverse("home:people")).status_code == 200
