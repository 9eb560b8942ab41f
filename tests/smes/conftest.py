"""Fixtures of the SME app: the persona's company and application, and another company's."""

from __future__ import annotations

import pytest

from smes.models import ApplicationStatus
from tests.factories import ApplicationFactory, CompanyFactory, SmeMemberFactory


@pytest.fixture
def company(sme_member):
    """The company the SME persona acts for."""
    return CompanyFactory(member=sme_member)


@pytest.fixture
def draft(programme, company):
    """The persona's complete draft, ready to submit."""
    return ApplicationFactory(programme=programme, company=company, created_by=company.members.first())


@pytest.fixture
def submitted(programme, company):
    return ApplicationFactory(programme=programme, company=company, status=ApplicationStatus.SUBMITTED)


@pytest.fixture
def other_company(db):
    return CompanyFactory(member=SmeMemberFactory())


@pytest.fixture
def other_application(programme, other_company):
    """Another company's application, which the persona must never see."""
    return ApplicationFactory(programme=programme, company=other_company, status=ApplicationStatus.SUBMITTED)


def eligible_applications(programme, count: int) -> list:
    return [
        ApplicationFactory(
            programme=programme,
            status=ApplicationStatus.ELIGIBLE,
            company=CompanyFactory(member=SmeMemberFactory()),
        )
        for _ in range(count)
    ]
