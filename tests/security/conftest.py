"""The scenario of the security tests, built once per test module inside a transaction
that is rolled back after it; each test runs in a savepoint of its own on top of it."""

import pytest
from django.core import mail
from django.db import transaction

from tests import celery_queue
from tests.security.scenario import World, build_world


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker) -> World:
    with django_db_blocker.unblock(), transaction.atomic():
        built = build_world()
        yield built
        transaction.set_rollback(True)


@pytest.fixture(autouse=True)
def _empty_queue_and_outbox():
    """Stands in for the suite's fixture of this name: no test here commits (each runs in a
    transaction rolled back, and the portal enqueues only after commit), so the broker's
    queues are checked once a module (below) rather than drained around each of the
    matrix's two thousand cells."""
    mail.outbox = []
    yield


@pytest.fixture(scope="module", autouse=True)
def nothing_reaches_the_broker():
    celery_queue.take_all()
    yield
    assert celery_queue.take_all() == [], "a security test put a task on the broker"
