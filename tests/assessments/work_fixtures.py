"""Assessments ready for the manager's work, and the people around them.

Import the fixtures into a test module with
`from tests.assessments.work_fixtures import *  # noqa: F403`."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db.models import F
from django.test import Client
from django.utils import timezone

from assessments.models import Assessment, AssessmentStatus, Finding, Recommendation, Visit
from managers.models import Manager
from programme.models import User
from programme.reference import AssessmentArea
from smes.models import Application
from tests.conftest import sign_in

__all__ = [
    "accepted",
    "add_recommendations",
    "add_visits",
    "make_accepted",
    "member_client",
    "member_of",
    "milan_member",
    "score_every_dimension",
]


def make_accepted(application: Application, manager: Manager, *, days_ago: int = 10) -> Assessment:
    """An assessment the manager accepted `days_ago` days ago, holding one of their places."""
    accepted_at = timezone.now() - datetime.timedelta(days=days_ago)
    assessment = Assessment.objects.create(
        programme=application.programme,
        application=application,
        manager=manager,
        status=AssessmentStatus.ACCEPTED,
        assigned_at=accepted_at - datetime.timedelta(days=2),
        answer_due_on=timezone.localdate(accepted_at) + datetime.timedelta(days=5),
        accepted_at=accepted_at,
        due_on=timezone.localdate(accepted_at)
        + datetime.timedelta(days=application.programme.days_to_complete),
    )
    Manager.objects.filter(pk=manager.pk).update(open_assessments=F("open_assessments") + 1)
    return assessment


def member_of(application: Application) -> User:
    return application.company.memberships.select_related("user").first().user


def score_every_dimension(assessment: Assessment, current: int = 2, target: int = 4) -> None:
    Finding.objects.bulk_create(
        Finding(
            assessment=assessment,
            dimension=dimension,
            current_level=current,
            target_level=target,
            evidence=f"Evidenze {dimension}",
        )
        for dimension in AssessmentArea.values
    )


def add_recommendations(assessment: Assessment, count: int = 3) -> list[Recommendation]:
    return Recommendation.objects.bulk_create(
        Recommendation(
            assessment=assessment,
            title=f"Raccomandazione {number}",
            dimension=AssessmentArea.values[number % len(AssessmentArea.values)],
            description="Descrizione",
            position=number,
        )
        for number in range(count)
    )


def add_visits(assessment: Assessment, count: int, *, hours: str = "4") -> list[Visit]:
    held_on = timezone.localdate() - datetime.timedelta(days=1)
    return Visit.objects.bulk_create(
        Visit(
            assessment=assessment,
            held_on=held_on,
            duration_unit="hours",
            duration=Decimal(hours),
            mode="on_site",
            participants=f"Partecipante {number}",
        )
        for number in range(count)
    )


@pytest.fixture
def accepted(pool) -> Assessment:
    """Milan's SME, accepted ten days ago by the first manager (the manager_user persona)."""
    return make_accepted(pool.milan, pool.first)


@pytest.fixture
def milan_member(pool) -> User:
    return member_of(pool.milan)


@pytest.fixture
def member_client(milan_member) -> Client:
    return sign_in(Client(), milan_member)
