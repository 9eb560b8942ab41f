"""The Django admin (/gestione/) is for superusers who gave the second factor, and no one else:
every page of the admin's model registry is checked."""

from __future__ import annotations

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.contrib import admin
from django.test import Client
from django.urls import reverse

from tests.conftest import sign_in
from tests.factories import PASSWORD, UserFactory
from tests.security.scenario import changed_tables, fingerprint

pytestmark = pytest.mark.django_db

LOGIN_PATH = "/accounts/login/"
SIGN_IN_PAGES = (LOGIN_PATH, "/accounts/2fa/authenticate/")


def admin_pages() -> list[str]:
    pages = [reverse("admin:index")]
    for model in admin.site._registry:
        meta = model._meta
        pages.append(reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist"))
    return pages


def ends_at_sign_in(response) -> bool:
    """Sent (through the admin's own sign-in, which leads to the portal's) to sign in, or to
    give the authenticator code when the password was given."""
    return response.redirect_chain[-1][0].startswith(SIGN_IN_PAGES) and response.status_code == 200


@pytest.fixture
def superuser(db):
    user = UserFactory(is_superuser=True, is_staff=True)
    user.totp_secret = generate_totp_secret()
    TOTP.activate(user, user.totp_secret)
    return user


def test_the_admin_registers_models_to_check():
    assert len(admin_pages()) > 5


def test_a_superuser_with_the_second_factor_reaches_every_admin_page(programme, superuser):
    client = sign_in(Client(), superuser)
    for page in admin_pages():
        assert client.get(page).status_code == 200, page


def test_a_superuser_without_the_second_factor_reaches_no_admin_page(programme, superuser):
    half_way = Client()
    half_way.post(reverse("account_login"), {"login": superuser.email, "password": PASSWORD})
    forced = Client()
    forced.force_login(superuser)
    for client in (half_way, forced):
        for page in admin_pages():
            assert ends_at_sign_in(client.get(page, follow=True)), page


@pytest.mark.parametrize("persona", ["anonymous", "sme_member", "manager", "staff", "administrator"])
def test_no_persona_of_the_portal_reaches_an_admin_page(persona_clients, persona):
    client = persona_clients[persona]
    for page in admin_pages():
        if persona == "anonymous":
            assert ends_at_sign_in(client.get(page, follow=True)), page
        else:
            # The admin's own sign-in leads to the portal's, which refuses a signed-in non-superuser.
            final = client.get(page, follow=True)
            assert final.status_code == 403, page


def test_a_refused_post_to_the_admin_changes_nothing(persona_clients, programme):
    before = fingerprint()
    for persona in ("sme_member", "manager", "staff", "administrator"):
        url = reverse("admin:programme_programme_change", args=[programme.pk])
        persona_clients[persona].post(url, {"name": "Altro nome", "assessment_quota": "1"}, follow=True)
    assert changed_tables(before, fingerprint()) == []
