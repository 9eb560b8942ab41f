"""The sessions' store keeps the signed-in person's id in a column of its own, in step with
sign-in and sign-out, and the migration that brought it in moved the open sessions over."""

from __future__ import annotations

import datetime
import importlib

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore as DjangoSessionStore
from django.contrib.sessions.models import Session as DjangoSession
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from programme.models import Session
from tests.conftest import sign_in
from tests.factories import SmeMemberFactory

pytestmark = pytest.mark.django_db


def row_of(client: Client) -> Session:
    return Session.objects.get(session_key=client.cookies[settings.SESSION_COOKIE_NAME].value)


def test_the_session_row_names_who_is_signed_in_and_nobody_after_sign_out(programme):
    person = SmeMemberFactory()
    client = sign_in(Client(), person)
    assert client.get(reverse("home:sme")).status_code == 200
    assert row_of(client).user_id == person.pk
    client.post(reverse("account_logout"))
    assert not Session.objects.filter(user_id=person.pk).exists()
    # A browser's session that nobody signed in to names nobody.
    anonymous = Client().session
    anonymous["language"] = "en"
    anonymous.save()
    assert Session.objects.get(pk=anonymous.session_key).user_id is None


def test_another_person_signing_in_on_the_same_browser_takes_the_row_over(programme):
    first, second = SmeMemberFactory(), SmeMemberFactory()
    client = sign_in(Client(), first)
    client.post(reverse("account_logout"))
    sign_in(client, second)
    assert row_of(client).user_id == second.pk
    assert list(Session.objects.filter(user_id__isnull=False).values_list("user_id", flat=True)) == [
        second.pk
    ]


def test_the_migration_moved_open_sessions_with_their_person_and_left_none_behind(programme):
    person = SmeMemberFactory()
    signed_in = DjangoSessionStore()
    signed_in["_auth_user_id"] = str(person.pk)
    signed_in.create()
    anonymous = DjangoSessionStore()
    anonymous["language"] = "en"
    anonymous.create()
    expired = DjangoSessionStore()
    expired["_auth_user_id"] = str(person.pk)
    expired.set_expiry(timezone.now() - datetime.timedelta(minutes=1))
    expired.create()
    migration = importlib.import_module("programme.migrations.0005_session")

    migration.move_open_sessions(apps, None)

    moved = dict(Session.objects.values_list("session_key", "user_id"))
    assert moved == {signed_in.session_key: person.pk, anonymous.session_key: None}
    assert not DjangoSession.objects.exists()
    # The moved session is still the one the browser holds: it reads back whole.
    assert Session.objects.get(pk=signed_in.session_key).get_decoded()["_auth_user_id"] == str(person.pk)
