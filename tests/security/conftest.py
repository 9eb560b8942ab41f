"""The scenario of the security tests, built once per test module inside a transaction
that is rolled back after it; each test runs in a savepoint of its own on top of it."""

from __future__ import annotations

import pytest
from django.db import transaction

from tests.security.scenario import World, build_world


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker) -> World:
    with django_db_blocker.unblock(), transaction.atomic():
        built = build_world()
        yield built
        transaction.set_rollback(True)
