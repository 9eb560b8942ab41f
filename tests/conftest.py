"""Personas and shared fixtures. Staff and administrators sign in the way they really
do: password, then the code of their authenticator app."""

from __future__ import annotations

import pytest
from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.core import mail
from django.test import Client
from django.urls import reverse

from tests import celery_queue
from tests.factories import (
    PASSWORD,
    AdministratorFactory,
    ManagerUserFactory,
    ProgrammeFactory,
    SmeMemberFactory,
    StaffFactory,
)


def totp_code(secret: str) -> str:
    import time

    return format_hotp_value(hotp_value(secret, int(time.time()) // mfa_settings.TOTP_PERIOD))


def sign_in(client: Client, user, password: str = PASSWORD) -> Client:
    """Sign in through the login page (and the second-factor page when the user has one)."""
    response = client.post(reverse("account_login"), {"login": user.email, "password": password})
    assert response.status_code == 302, response.content[:2000]
    if response["Location"].startswith(reverse("mfa_authenticate")):
        response = client.post(reverse("mfa_authenticate"), {"code": totp_code(user.totp_secret)})
        assert response.status_code == 302, response.content[:2000]
    return client


@pytest.fixture(autouse=True)
def _empty_queue_and_outbox():
    """Each test starts with this worker's broker queue and the outbox empty."""
    celery_queue.take_all()
    mail.outbox = []
    yield
    celery_queue.take_all()


@pytest.fixture
def broker_down():
    """The broker at a closed port of this machine, as when Redis is unreachable
    (the shared Redis itself is never stopped)."""
    import socket

    from programme.celery import app as celery_app

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    original = celery_app.conf.broker_url
    celery_app.conf.broker_url = f"redis://127.0.0.1:{closed_port}/0"
    celery_app._pool = None
    # The producer pool keeps the connection it was made with: made afresh on each side.
    celery_app.amqp._producer_pool = None
    yield
    celery_app.conf.broker_url = original
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@pytest.fixture
def programme(db):
    return ProgrammeFactory()


@pytest.fixture
def sme_member(db):
    return SmeMemberFactory()


@pytest.fixture
def other_sme_member(db):
    return SmeMemberFactory()


@pytest.fixture
def manager_user(db):
    return ManagerUserFactory()


@pytest.fixture
def other_manager_user(db):
    return ManagerUserFactory()


@pytest.fixture
def staff_user(db):
    return StaffFactory()


@pytest.fixture
def administrator_user(db):
    return AdministratorFactory()


@pytest.fixture
def sme_client(sme_member):
    return sign_in(Client(), sme_member)


@pytest.fixture
def manager_client(manager_user):
    return sign_in(Client(), manager_user)


@pytest.fixture
def staff_client(staff_user):
    return sign_in(Client(), staff_user)


@pytest.fixture
def administrator_client(administrator_user):
    return sign_in(Client(), administrator_user)


@pytest.fixture
def persona_clients(programme, sme_client, manager_client, staff_client, administrator_client):
    """Every persona's signed-in client, and an anonymous one, by name."""
    return {
        "anonymous": Client(),
        "sme_member": sme_client,
        "manager": manager_client,
        "staff": staff_client,
        "administrator": administrator_client,
    }
