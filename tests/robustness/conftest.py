"""Fixtures of the robustness tests: the small matching programme of the assessment tests,
and the world of tests/robustness/world.py, built once per module."""

import pytest
from django.db import transaction

from tests.assessments.conftest import pool  # noqa: F401 - reused as it is
from tests.robustness.world import World, build


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker) -> World:
    """Built once for the module inside a transaction rolled back at its end; each test
    (pytest-django's savepoint) and each example (a savepoint of its own) start from it."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            yield build()
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
