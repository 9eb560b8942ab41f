"""Headers and configuration: a forged Host header, the cookies of production, CSRF."""

from __future__ import annotations

import pytest
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from django.conf import global_settings, settings
from django.test import Client, override_settings
from django.urls import reverse

import programme.settings as production
from tests.conftest import sign_in
from tests.factories import PASSWORD, SmeMemberFactory, StaffFactory
from tests.security.test_access_matrix import assert_content_security_policy

pytestmark = pytest.mark.django_db

# The values programme/settings.py gives with DEBUG off, Django's defaults where it sets none
# (the test settings relax some of them so that the suite runs over plain HTTP).
PRODUCTION_VALUES = {
    name: getattr(production, name, getattr(global_settings, name))
    for name in (
        "DEBUG",
        "SESSION_COOKIE_SECURE",
        "SESSION_COOKIE_HTTPONLY",
        "SESSION_COOKIE_SAMESITE",
        "CSRF_COOKIE_SECURE",
        "CSRF_COOKIE_HTTPONLY",
        "CSRF_COOKIE_SAMESITE",
        "SECURE_SSL_REDIRECT",
        "SECURE_HSTS_SECONDS",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    )
}


def test_the_production_settings_are_those_of_a_site_served_over_https():
    assert PRODUCTION_VALUES["DEBUG"] is False
    assert PRODUCTION_VALUES["SESSION_COOKIE_SECURE"] is True
    assert PRODUCTION_VALUES["SESSION_COOKIE_HTTPONLY"] is True
    assert PRODUCTION_VALUES["SESSION_COOKIE_SAMESITE"] in ("Lax", "Strict")
    assert PRODUCTION_VALUES["CSRF_COOKIE_SECURE"] is True
    assert PRODUCTION_VALUES["SECURE_SSL_REDIRECT"] is True
    assert PRODUCTION_VALUES["SECURE_HSTS_SECONDS"] >= 31536000


@pytest.mark.parametrize("host", ["portale.malevolo.example", "127.0.0.1.malevolo.example", "evil:80"])
def test_a_forged_host_header_is_answered_400(programme, host):
    response = Client().get(reverse("home:landing"), HTTP_HOST=host)
    assert response.status_code == 400


def test_a_forged_host_cannot_steer_the_links_of_a_password_reset(programme):
    person = SmeMemberFactory()
    response = Client().post(
        reverse("account_reset_password"), {"email": person.email}, HTTP_HOST="portale.malevolo.example"
    )
    assert response.status_code == 400


@override_settings(**{name: value for name, value in PRODUCTION_VALUES.items() if name != "DEBUG"})
def test_in_production_the_cookies_are_secure_http_only_and_same_site(programme):
    person = SmeMemberFactory()
    client = Client()
    # Plain HTTP is sent to HTTPS first.
    plain = client.get(reverse("account_login"))
    assert plain.status_code == 301 and plain["Location"].startswith("https://")
    page = client.get(reverse("account_login"), secure=True)
    assert page["Strict-Transport-Security"].startswith("max-age=31536000")
    csrf_cookie = page.cookies[settings.CSRF_COOKIE_NAME]
    assert csrf_cookie["secure"] and csrf_cookie["samesite"] == PRODUCTION_VALUES["CSRF_COOKIE_SAMESITE"]
    signed_in = client.post(
        reverse("account_login"), {"login": person.email, "password": PASSWORD}, secure=True
    )
    assert signed_in.status_code == 302
    session_cookie = signed_in.cookies[settings.SESSION_COOKIE_NAME]
    assert session_cookie["secure"] is True
    assert session_cookie["httponly"] is True
    assert session_cookie["samesite"] == PRODUCTION_VALUES["SESSION_COOKIE_SAMESITE"]


def test_csrf_is_enforced_on_the_sign_in_form(programme):
    person = SmeMemberFactory()
    client = Client(enforce_csrf_checks=True)
    refused = client.post(reverse("account_login"), {"login": person.email, "password": PASSWORD})
    assert refused.status_code == 403
    client.get(reverse("account_login"))
    token = client.cookies[settings.CSRF_COOKIE_NAME].value
    accepted = client.post(
        reverse("account_login"), {"login": person.email, "password": PASSWORD, "csrfmiddlewaretoken": token}
    )
    assert accepted.status_code == 302


def test_csrf_is_enforced_on_a_signed_in_persons_action(programme):
    person = SmeMemberFactory()
    signed_in = sign_in(Client(), person)
    client = Client(enforce_csrf_checks=True)
    client.cookies[settings.SESSION_COOKIE_NAME] = signed_in.cookies[settings.SESSION_COOKIE_NAME].value
    page = client.get(reverse("smes:company_members"))
    assert page.status_code == 302  # no company yet: sent to start the application
    payload = {"language": "en", "next": "/"}
    assert client.post(reverse("programme:language"), payload).status_code == 403
    person.refresh_from_db()
    assert person.language == "it"
    client.get(reverse("programme:inbox"))
    token = client.cookies[settings.CSRF_COOKIE_NAME].value
    # A token from another origin's form (a forged one) is refused too.
    assert (
        client.post(reverse("programme:language"), {**payload, "csrfmiddlewaretoken": "x" * 64}).status_code
        == 403
    )
    assert (
        client.post(reverse("programme:language"), {**payload, "csrfmiddlewaretoken": token}).status_code
        == 302
    )
    person.refresh_from_db()
    assert person.language == "en"


def test_the_recovery_codes_page_runs_its_scripts_under_the_policy(programme):
    staff = StaffFactory()
    RecoveryCodes.activate(staff)
    client = sign_in(Client(), staff)
    assert client.post(reverse("account_reauthenticate"), {"password": PASSWORD}).status_code == 302
    response = client.get(reverse("mfa_view_recovery_codes"))
    assert response.status_code == 200
    assert b"recovery_codes.js" in response.content
    assert_content_security_policy(response)
