"""Sign-ins (accepted and refused) and refusals of access are recorded with who, what and
when, and never with a password, an authenticator code or a session key; approvals and
quota changes made through the pages are on the audit trail."""

from __future__ import annotations

import logging
from decimal import Decimal

import pytest
from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from programme.models import AuditEntry, Programme, User
from tests.conftest import sign_in, totp_code
from tests.factories import PASSWORD, SmeMemberFactory, StaffFactory
from tests.programme.test_services_programme import settings_form_data

pytestmark = pytest.mark.django_db

SECURITY_LOG = "portal.security"


@pytest.fixture
def security_lines(caplog) -> list[str]:
    caplog.set_level(logging.INFO, logger=SECURITY_LOG)
    return caplog


def lines(caplog) -> list[str]:
    return [record.getMessage() for record in caplog.records if record.name == SECURITY_LOG]


def entries_on(user: User, action: str) -> list[AuditEntry]:
    return [entry for entry in AuditEntry.objects.filter(action=action) if entry.object_id == str(user.pk)]


def everything_recorded(caplog) -> str:
    rows = AuditEntry.objects.values_list("action", "reason", "data")
    return "\n".join(lines(caplog)) + "\n" + "\n".join(map(str, rows))


def test_a_sign_in_is_recorded_with_who_when_and_from_where(programme, security_lines):
    person = SmeMemberFactory()
    before = timezone.now()
    client = Client(REMOTE_ADDR="192.0.2.10")
    assert (
        client.post(reverse("account_login"), {"login": person.email, "password": PASSWORD}).status_code
        == 302
    )
    [entry] = entries_on(person, "signed_in")
    assert entry.actor == person and entry.created_at >= before
    assert entry.data == {"address": "192.0.2.10"}
    assert f"event=signed_in user={person.pk} address=192.0.2.10" in lines(security_lines)
    session_key = client.cookies[settings.SESSION_COOKIE_NAME].value
    recorded = everything_recorded(security_lines)
    assert PASSWORD not in recorded and session_key not in recorded


def test_a_refused_sign_in_is_recorded_without_the_password(programme, security_lines):
    person = SmeMemberFactory()
    Client(REMOTE_ADDR="192.0.2.11").post(
        reverse("account_login"), {"login": person.email, "password": "Segreta-sbagliata-1"}
    )
    [entry] = entries_on(person, "sign_in_failed")
    assert entry.actor is None and entry.data == {"address": "192.0.2.11"}
    assert any(
        line.startswith("event=sign_in_failed") and person.email in line and f"user={person.pk}" in line
        for line in lines(security_lines)
    )
    assert "Segreta-sbagliata-1" not in everything_recorded(security_lines)


def test_a_refused_sign_in_of_an_unknown_account_is_logged_only(programme, security_lines):
    count = AuditEntry.objects.count()
    Client(REMOTE_ADDR="192.0.2.12").post(
        reverse("account_login"), {"login": "nessuno@esempio.it", "password": "Segreta-sbagliata-2"}
    )
    assert AuditEntry.objects.count() == count
    [line] = [line for line in lines(security_lines) if line.startswith("event=sign_in_failed")]
    assert "nessuno@esempio.it" in line and "user=-" in line and "address=192.0.2.12" in line
    assert "Segreta-sbagliata-2" not in line


def test_a_staff_sign_in_records_no_authenticator_code(programme, security_lines):
    staff = StaffFactory()
    client = Client()
    client.post(reverse("account_login"), {"login": staff.email, "password": PASSWORD})
    # Nothing is recorded as signed in after the password alone.
    assert entries_on(staff, "signed_in") == []
    wrong = format_hotp_value(hotp_value(staff.totp_secret, 1))
    client.post(reverse("mfa_authenticate"), {"code": wrong})
    code = totp_code(staff.totp_secret)
    assert client.post(reverse("mfa_authenticate"), {"code": code}).status_code == 302
    assert len(entries_on(staff, "signed_in")) == 1
    recorded = everything_recorded(security_lines)
    assert code not in recorded and wrong not in recorded and staff.totp_secret not in recorded
    assert len(code) == mfa_settings.TOTP_DIGITS


def test_a_wrong_authenticator_code_at_sign_in_is_recorded_without_the_code(programme, security_lines):
    staff = StaffFactory()
    client = Client(REMOTE_ADDR="192.0.2.15")
    client.post(reverse("account_login"), {"login": staff.email, "password": PASSWORD})
    before = timezone.now()
    # A code of a step long past: refused whatever the clock says now.
    wrong = format_hotp_value(hotp_value(staff.totp_secret, 1))
    response = client.post(reverse("mfa_authenticate"), {"code": wrong})
    assert response.status_code == 200 and response.context["form"].errors["code"]
    [entry] = entries_on(staff, "second_factor_failed")
    assert entry.actor is None and entry.created_at >= before
    assert entry.data == {"address": "192.0.2.15"}
    assert lines(security_lines)[-1] == (
        f"event=second_factor_failed user={staff.pk} step=sign_in address=192.0.2.15"
    )
    assert entries_on(staff, "signed_in") == []
    recorded = everything_recorded(security_lines)
    assert wrong not in recorded and staff.totp_secret not in recorded and PASSWORD not in recorded


def test_a_wrong_authenticator_code_when_confirming_who_one_is_is_recorded(programme, security_lines):
    staff = StaffFactory()
    client = sign_in(Client(REMOTE_ADDR="192.0.2.16"), staff)
    wrong = format_hotp_value(hotp_value(staff.totp_secret, 2))
    assert client.post(reverse("mfa_reauthenticate"), {"code": wrong}).status_code == 200
    [entry] = entries_on(staff, "second_factor_failed")
    assert entry.actor == staff and entry.data == {"address": "192.0.2.16"}
    assert f"event=second_factor_failed user={staff.pk} step=reauthentication address=192.0.2.16" in lines(
        security_lines
    )
    assert wrong not in everything_recorded(security_lines)


def test_a_right_authenticator_code_records_no_failure(programme, security_lines):
    staff = StaffFactory()
    sign_in(Client(), staff)
    assert entries_on(staff, "second_factor_failed") == []
    assert not any("second_factor_failed" in line for line in lines(security_lines))


def test_refusals_are_logged_with_who_what_and_where(programme, security_lines):
    person = SmeMemberFactory()
    client = sign_in(Client(REMOTE_ADDR="192.0.2.13"), person)
    assert client.get(reverse("home:staff")).status_code == 403
    assert client.post(reverse("programme:notification", args=[999999])).status_code == 404
    assert Client(REMOTE_ADDR="192.0.2.14").get("/pagina-che-non-esiste/").status_code == 404
    refusals = [line for line in lines(security_lines) if line.startswith("event=access_refused")]
    assert refusals == [
        f"event=access_refused status=403 user={person.pk} method=GET path='/staff/' address=192.0.2.13",
        f"event=access_refused status=404 user={person.pk} method=POST "
        f"path='{reverse('programme:notification', args=[999999])}' address=192.0.2.13",
        "event=access_refused status=404 user=anonymous method=GET path='/pagina-che-non-esiste/' "
        "address=192.0.2.14",
    ]
    session_key = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert session_key not in everything_recorded(security_lines)


def test_a_secret_key_in_a_refused_address_is_not_logged(programme, security_lines):
    response = Client().get("/accounts/password/reset/key/1-chiave-segreta-123/")
    assert response.status_code in (200, 302, 404)
    assert "chiave-segreta" not in "\n".join(lines(security_lines))


def test_a_quota_change_on_the_settings_page_is_on_the_audit_trail(programme):
    staff = StaffFactory()
    client = sign_in(Client(), staff)
    response = client.post(
        reverse("programme:settings"), settings_form_data(programme, assessment_quota="120")
    )
    assert response.status_code == 302
    [entry] = AuditEntry.objects.filter(action="settings_changed", object_id=str(programme.pk))
    assert entry.actor == staff and entry.data == {"changed": {"assessment_quota": "120"}}
    assert Programme.objects.get(pk=programme.pk).assessment_quota == 120


def test_an_approval_on_the_financing_page_is_on_the_audit_trail(programme, administrator_user, manager_user):
    from tests.projects.financing_fixtures import make_project, selected_manager

    project = make_project(programme, manager=selected_manager(programme, manager_user))
    client = sign_in(Client(), administrator_user)
    response = client.post(reverse("financing:approve", args=[project.pk]), {"amount": "60000"})
    assert response.status_code == 302
    [entry] = AuditEntry.objects.filter(action="approved", object_id=str(project.pk))
    assert (entry.actor, entry.from_status, entry.to_status) == (administrator_user, "eligible", "approved")
    assert Programme.objects.get(pk=programme.pk).committed_amount == Decimal("60000")
