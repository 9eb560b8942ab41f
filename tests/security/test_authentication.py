"""Signing in and sessions: throttling per account and per address and its release (by
expiring the stored rate-limit rows), answers that never tell whether an account exists,
the password rules, a new session key at sign-in, idle sessions that end without losing
the manager's draft, and a password change that ends the person's other sessions."""

from __future__ import annotations

import json
import time

import pytest
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.urls import reverse

from assessments.models import Finding
from programme.middleware import LAST_SEEN_KEY
from programme.models import Session
from tests.assessments.conftest import enrolled, selected
from tests.assessments.review_fixtures import make_assessment
from tests.conftest import sign_in
from tests.factories import PASSWORD, ManagerUserFactory, SmeMemberFactory, StaffFactory

pytestmark = pytest.mark.django_db

TOO_MANY = "Too many failed login attempts"


def attempt(email: str, password: str, address: str) -> object:
    client = Client(REMOTE_ADDR=address)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client.post(reverse("account_login"), {"login": email, "password": password})


def expire_login_limits() -> int:
    """The window passes: the stored rate-limit rows of failed sign-ins expire."""
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE portal_cache SET expires = now() - interval '1 second' WHERE cache_key LIKE %s",
            ["%login_failed%"],
        )
        return cursor.rowcount


def test_the_address_lock_holds_for_every_account_and_is_released_when_its_rows_expire(programme):
    person = SmeMemberFactory()
    for number in range(20):
        attempt(f"sconosciuto{number}@esempio.it", "sbagliata", "10.9.0.1")
    locked = attempt(person.email, PASSWORD, "10.9.0.1")
    assert locked.status_code == 200 and TOO_MANY in locked.content.decode()
    assert expire_login_limits() >= 1
    assert attempt(person.email, PASSWORD, "10.9.0.1").status_code == 302


def test_the_account_lock_holds_from_every_address_and_is_released_when_its_rows_expire(programme):
    person = SmeMemberFactory()
    for number in range(5):
        attempt(person.email, "sbagliata", f"10.9.1.{number}")
    assert TOO_MANY in attempt(person.email, PASSWORD, "10.9.1.200").content.decode()
    assert expire_login_limits() >= 1
    assert attempt(person.email, PASSWORD, "10.9.1.200").status_code == 302


def test_the_answers_are_the_same_for_a_known_and_an_unknown_account_locked_or_not(programme):
    person = SmeMemberFactory()
    answers = {}
    for label, email in (("known", person.email), ("unknown", "nessuno.qui@esempio.it")):
        first = attempt(email, "sbagliata", "10.9.2.1" if label == "known" else "10.9.2.2")
        for _ in range(5):
            attempt(email, "sbagliata", "10.9.2.3" if label == "known" else "10.9.2.4")
        locked = attempt(email, "sbagliata", "10.9.2.5" if label == "known" else "10.9.2.6")
        answers[label] = [
            (response.status_code, response.context["form"].errors.as_data().__repr__())
            for response in (first, locked)
        ]
    assert answers["known"] == answers["unknown"]
    assert TOO_MANY in str(answers["known"][1])


@pytest.mark.parametrize(
    "password",
    ["password123", "qwertyuiop", "1234567890123", "Corto-1", "persona.rossi2026"],
)
def test_weak_passwords_are_refused(password):
    person = SmeMemberFactory.build(email="persona.rossi2026@esempio.it")
    with pytest.raises(ValidationError):
        validate_password(password, user=person)


def test_the_common_password_list_is_applied_on_the_password_change_page(programme):
    # A name and address unlike the password: a random one may be similar enough to it to be
    # refused for that too.
    person = SmeMemberFactory(first_name="Giulia", last_name="Bianchi", email="giulia.bianchi@esempio.it")
    client = sign_in(Client(), person)
    response = client.post(
        reverse("account_change_password"),
        {"oldpassword": PASSWORD, "password1": "password12345", "password2": "password12345"},
    )
    assert response.status_code == 200
    codes = [error.code for error in response.context["form"].errors.as_data()["password1"]]
    assert codes == ["password_too_common"]
    person.refresh_from_db()
    assert person.check_password(PASSWORD)


def test_a_new_session_key_is_issued_at_sign_in(programme):
    """A session planted before sign-in (fixation) is not the one that is signed in."""
    client = Client()
    planted = client.session
    planted["planted"] = True
    planted.save()
    client.cookies[settings.SESSION_COOKIE_NAME] = planted.session_key
    sign_in(client, SmeMemberFactory())
    signed_in_key = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert signed_in_key != planted.session_key
    assert not Session.objects.filter(session_key=planted.session_key).exists()


def test_staff_get_a_new_session_key_after_the_second_factor_too(programme):
    staff = StaffFactory()
    client = Client()
    client.post(reverse("account_login"), {"login": staff.email, "password": PASSWORD})
    half_way = client.cookies[settings.SESSION_COOKIE_NAME].value
    sign_in(client, staff)
    assert client.cookies[settings.SESSION_COOKIE_NAME].value != half_way


def make_idle(client: Client, programme) -> None:
    session = client.session
    session[LAST_SEEN_KEY] = time.time() - programme.session_idle_minutes * 60 - 5
    session.save()


def test_an_idle_session_ends_without_losing_the_managers_draft(programme):
    manager_user = ManagerUserFactory()
    manager = selected(programme, ["MI"], capacity=2, user=manager_user)
    assessment = make_assessment(enrolled(programme, "MI", "Milano"), manager)
    client = sign_in(Client(), manager_user)
    draft_url = reverse("work:draft", args=[assessment.pk])
    workspace_url = reverse("work:workspace", args=[assessment.pk])
    saved = client.post(
        draft_url,
        {
            "finding-data_management-current_level": "2",
            "finding-data_management-target_level": "4",
            "finding-data_management-evidence": "Backup su chiavetta",
            "finding-data_management-strengths": "",
            "finding-data_management-gaps": "",
            "summary-summary": "Bozza salvata prima della pausa",
        },
        HTTP_ACCEPT="application/json",
    )
    assert saved.status_code == 200, saved.content

    make_idle(client, programme)
    late = client.post(
        draft_url, {"summary-summary": "Scritta dopo la pausa"}, HTTP_ACCEPT="application/json"
    )
    # The autosave is told to sign in again, with the way back to the workspace.
    assert late.status_code == 401
    assert json.loads(late.content)["login_url"].endswith(f"?next={workspace_url.replace('/', '%2F')}")
    assert client.get(workspace_url)["Location"].startswith(reverse("account_login"))

    sign_in(client, manager_user)
    page = client.get(workspace_url).content.decode()
    assert "Backup su chiavetta" in page and "Bozza salvata prima della pausa" in page
    assert "Scritta dopo la pausa" not in page
    finding = Finding.objects.get(assessment=assessment, dimension="data_management")
    assert (finding.current_level, finding.target_level) == (2, 4)


def test_a_password_change_ends_the_other_sessions_of_the_person(programme):
    person = SmeMemberFactory()
    here = sign_in(Client(), person)
    elsewhere = sign_in(Client(), person)
    assert elsewhere.get(reverse("home:sme")).status_code == 200
    changed = here.post(
        reverse("account_change_password"),
        {"oldpassword": PASSWORD, "password1": "Un-altra-frase-2026!", "password2": "Un-altra-frase-2026!"},
    )
    assert changed.status_code == 302
    # The session that changed it goes on; the other one is signed out.
    assert here.get(reverse("home:sme")).status_code == 200
    refused = elsewhere.get(reverse("home:sme"))
    assert refused.status_code == 302 and refused["Location"].startswith(reverse("account_login"))
    assert "_auth_user_id" not in elsewhere.session
