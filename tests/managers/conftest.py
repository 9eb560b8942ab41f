"""Fixtures of the manager pool: the signed-in manager's own row and another manager's."""

from __future__ import annotations

import pytest

from tests.factories import ManagerFactory


@pytest.fixture
def own_manager(programme, manager_user):
    """The row of the signed-in manager persona (manager_client), applied."""
    return ManagerFactory(programme=programme, user=manager_user)


@pytest.fixture
def other_manager(programme, other_manager_user):
    return ManagerFactory(programme=programme, user=other_manager_user)
