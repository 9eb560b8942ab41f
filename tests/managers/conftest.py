"""Fixtures of the manager pool: the signed-in manager's own row and another manager's."""

from __future__ import annotations

import pytest
from django.utils import translation

from tests.factories import ManagerFactory, ManagerUserFactory, SmeMemberFactory, StaffFactory


@pytest.fixture
def own_manager(programme, manager_user):
    """The row of the signed-in manager persona (manager_client), applied."""
    return ManagerFactory(programme=programme, user=manager_user)


@pytest.fixture
def other_manager(programme, other_manager_user):
    return ManagerFactory(programme=programme, user=other_manager_user)


# The pool's tests read the portal's messages in English, the source language, so
# they check the wording itself rather than its translation.
@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def manager_user(db):
    return ManagerUserFactory(language="en")


@pytest.fixture
def other_manager_user(db):
    return ManagerUserFactory(language="en")


@pytest.fixture
def staff_user(db):
    return StaffFactory(language="en")


@pytest.fixture
def sme_member(db):
    return SmeMemberFactory(language="en")
