"""The protections every page has from the start: CSP, login throttling, the second
factor for staff and administrators, idle sessions."""

import time
import types

import pytest
from django.test import Client
from django.urls import reverse

from tests.conftest import sign_in
from tests.factories import PASSWORD, SmeMemberFactory, StaffFactory, UserFactory

pytestmark = pytest.mark.django_db

TOO_MANY = "Too many failed login attempts"


def attempt(email, password, address="10.0.0.1"):
    client = Client(REMOTE_ADDR=address)
    client.cookies["django_language"] = "en"
    return client.post(reverse("account_login"), {"login": email, "password": password})


@pytest.mark.parametrize(
    ("persona", "url_name"),
    [
        ("anonymous", "home:landing"),
        ("anonymous", "account_login"),
        ("sme_member", "home:sme"),
        ("staff", "programme:settings"),
    ],
)
def test_every_response_carries_a_strict_content_security_policy(persona_clients, persona, url_name):
    response = persona_clients[persona].get(reverse(url_name))
    assert response.status_code == 200
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "object-src 'none'" in policy
    assert "frame-ancestors 'none'" in policy
    nonce = policy.split("'nonce-")[1].split("'")[0]
    page = response.content.decode()
    # Every script on the page carries the response's nonce; none is inline without it.
    scripts = page.count("<script")
    assert scripts >= 1
    assert page.count(f'nonce="{nonce}"') == scripts
    assert "'unsafe-inline'" not in policy.split("script-src")[1].split(";")[0]


def test_forms_carry_a_csrf_token(programme):
    page = Client().get(reverse("account_login")).content.decode()
    assert 'name="csrfmiddlewaretoken"' in page


def test_failed_logins_lock_the_account_whatever_the_address(programme):
    person = SmeMemberFactory()
    for number in range(5):
        assert TOO_MANY not in attempt(person.email, "sbagliata", f"10.0.1.{number}").content.decode()
    # The right password from yet another address is refused while the lock lasts.
    response = attempt(person.email, PASSWORD, "10.0.1.99")
    assert response.status_code == 200
    assert TOO_MANY in response.content.decode()


def test_failed_logins_lock_the_address_whatever_the_account(programme):
    person = SmeMemberFactory()
    for number in range(20):
        attempt(f"tentativo{number}@esempio.it", "sbagliata", "10.0.2.1")
    assert TOO_MANY in attempt(person.email, PASSWORD, "10.0.2.1").content.decode()
    assert attempt(person.email, PASSWORD, "10.0.2.2").status_code == 302


def test_the_lock_is_released_when_its_window_has_passed(programme, monkeypatch):
    person = SmeMemberFactory()
    for number in range(6):
        attempt(person.email, "sbagliata", f"10.0.3.{number}")
    assert TOO_MANY in attempt(person.email, PASSWORD, "10.0.3.50").content.decode()

    import allauth.core.internal.ratelimit as allauth_ratelimit

    later = time.time() + 16 * 60
    monkeypatch.setattr(
        allauth_ratelimit,
        "time",
        types.SimpleNamespace(time=lambda: later, monotonic=time.monotonic, sleep=time.sleep),
    )
    assert attempt(person.email, PASSWORD, "10.0.3.50").status_code == 302


def test_the_answer_never_tells_whether_an_account_exists(programme):
    person = SmeMemberFactory()
    known = attempt(person.email, "sbagliata", "10.0.4.1")
    unknown = attempt("nessuno@esempio.it", "sbagliata", "10.0.4.2")
    assert known.status_code == unknown.status_code == 200
    assert known.context["form"].errors == unknown.context["form"].errors
    for _ in range(5):
        attempt(person.email, "sbagliata", "10.0.4.3")
        attempt("nessuno@esempio.it", "sbagliata", "10.0.4.4")
    locked_known = attempt(person.email, "sbagliata", "10.0.4.5")
    locked_unknown = attempt("nessuno@esempio.it", "sbagliata", "10.0.4.6")
    assert locked_known.context["form"].errors == locked_unknown.context["form"].errors


@pytest.mark.parametrize(
    "url_name", ["home:staff", "programme:settings", "programme:invite", "programme:inbox", "home:landing"]
)
def test_a_staff_session_without_the_second_factor_reaches_none_of_the_pages(programme, url_name):
    """Signed in by password only (the second step never done): every page sends back to sign in."""
    staff = StaffFactory()
    client = Client()
    client.post(reverse("account_login"), {"login": staff.email, "password": PASSWORD})
    response = client.get(reverse(url_name))
    if url_name == "home:landing":
        # Public page: the half-signed-in visitor is anonymous there.
        assert response.status_code == 200
        assert "Elena" not in response.content.decode()
        return
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_a_forced_session_without_the_second_factor_is_signed_out(programme):
    staff = StaffFactory()
    client = Client()
    client.force_login(staff)
    response = client.get(reverse("home:staff"))
    assert response["Location"].startswith(reverse("account_login"))
    assert "_auth_user_id" not in client.session


def test_the_admin_site_needs_a_superuser_with_the_second_factor(programme):
    superuser = UserFactory(is_superuser=True, is_staff=True)
    client = Client()
    client.post(reverse("account_login"), {"login": superuser.email, "password": PASSWORD})
    response = client.get(reverse("admin:index"))
    assert response["Location"] == reverse("mfa_activate_totp")

    staff = StaffFactory()
    staff_client = sign_in(Client(), staff)
    assert staff_client.get(reverse("admin:index"), follow=True).status_code == 403
    anonymous = Client().get(reverse("admin:index"), follow=True)
    assert anonymous.redirect_chain[-1][0].startswith(reverse("account_login"))


def test_an_idle_session_ends_after_the_programmes_idle_time(sme_client, programme):
    from programme.middleware import LAST_SEEN_KEY

    assert sme_client.get(reverse("home:sme")).status_code == 200
    session = sme_client.session
    session[LAST_SEEN_KEY] = time.time() - programme.session_idle_minutes * 60 - 5
    session.save()
    response = sme_client.get(reverse("home:sme"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert sme_client.get(reverse("home:sme")).status_code == 302


def test_an_active_session_goes_on(sme_client, programme):
    from programme.middleware import LAST_SEEN_KEY

    session = sme_client.session
    session[LAST_SEEN_KEY] = time.time() - programme.session_idle_minutes * 60 + 60
    session.save()
    assert sme_client.get(reverse("home:sme")).status_code == 200
