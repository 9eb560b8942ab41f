"""A small programme ready for matching: enrolled SMEs and selected managers."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.utils import translation

from managers.models import Manager, ManagerStatus
from programme.models import Programme
from smes.models import Application, ApplicationStatus
from tests.factories import ApplicationFactory, CompanyFactory, ManagerFactory, SmeMemberFactory


@dataclass
class Pool:
    """Three SMEs (Milan, Bergamo, Mantua) and two managers working around Milan and Bergamo."""

    programme: Programme
    milan: Application
    bergamo: Application
    mantua: Application
    first: Manager
    second: Manager


def enrolled(programme: Programme, province: str, municipality: str, **company) -> Application:
    member = SmeMemberFactory()
    application = ApplicationFactory(
        programme=programme,
        status=ApplicationStatus.ENROLLED,
        company=CompanyFactory(province=province, municipality=municipality, member=member, **company),
    )
    Programme.objects.filter(pk=programme.pk).update(enrolled_count=application.programme.enrolled_count + 1)
    programme.refresh_from_db()
    return application


def selected(
    programme: Programme, provinces: list[str], capacity: int, merit: str = "4.00", **extra
) -> Manager:
    manager = ManagerFactory(
        programme=programme, status=ManagerStatus.SELECTED, provinces=provinces, capacity=capacity, **extra
    )
    Manager.objects.filter(pk=manager.pk).update(merit_score=Decimal(merit))
    manager.refresh_from_db()
    return manager


@pytest.fixture(autouse=True)
def english():
    """Messages raised by the services read in English, the source language."""
    with translation.override("en"):
        yield


@pytest.fixture
def pool(programme, manager_user) -> Pool:
    return Pool(
        programme=programme,
        milan=enrolled(programme, "MI", "Milano"),
        bergamo=enrolled(programme, "BG", "Bergamo"),
        mantua=enrolled(programme, "MN", "Mantova"),
        first=selected(programme, ["MI", "MB"], capacity=1, user=manager_user),
        second=selected(programme, ["BG", "MI"], capacity=2, merit="3.50"),
    )
