"""The envelope holds under concurrent decisions: real threads, each with its own database
connection, released together by a barrier. With the programme row locked the services
never pass the envelope; an update that skips the lock is refused by the constraint."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Sum

from programme.models import Programme
from projects.financing import services
from projects.models import Project, ProjectStatus
from tests.factories import AdministratorFactory
from tests.projects.financing_fixtures import *  # noqa: F403
from tests.projects.financing_fixtures import make_project

pytestmark = pytest.mark.django_db(transaction=True)


def run_together(work, count: int) -> list[object]:
    """Run `work(index)` in `count` threads released at once; each result or exception."""
    barrier = threading.Barrier(count)
    results: list[object] = [None] * count

    def target(index: int) -> None:
        try:
            barrier.wait()
            results[index] = work(index)
        except Exception as error:
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=target, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_simultaneous_approvals_never_pass_the_euros_left(programme):
    # 100,000 left: of six projects asking 40,000 each, only two fit.
    Programme.objects.filter(pk=programme.pk).update(committed_amount=programme.envelope_amount - 100000)
    projects = [make_project(programme, requested="40000") for _ in range(6)]
    administrators = [AdministratorFactory() for _ in range(6)]

    results = run_together(
        lambda index: services.project_approve(
            project=projects[index], amount=Decimal("40000"), by=administrators[index]
        ),
        6,
    )

    approved = [result for result in results if isinstance(result, Project)]
    refused = [result for result in results if isinstance(result, ValidationError)]
    assert (len(approved), len(refused)) == (2, 4), results
    programme.refresh_from_db()
    assert programme.committed_amount == programme.envelope_amount - 20000
    assert programme.committed_projects == 2
    granted = Project.objects.filter(status=ProjectStatus.APPROVED).aggregate(total=Sum("amount_granted"))
    assert granted["total"] == Decimal("80000.00")


def test_simultaneous_approvals_never_pass_the_projects_left(programme):
    Programme.objects.filter(pk=programme.pk).update(committed_projects=programme.envelope_projects - 3)
    projects = [make_project(programme, requested="10000") for _ in range(8)]
    administrators = [AdministratorFactory() for _ in range(8)]

    results = run_together(
        lambda index: services.project_approve(
            project=projects[index], amount=Decimal("10000"), by=administrators[index]
        ),
        8,
    )

    assert sum(isinstance(result, Project) for result in results) == 3, results
    assert all(isinstance(result, Project | ValidationError) for result in results), results
    programme.refresh_from_db()
    assert programme.committed_projects == programme.envelope_projects
    assert Project.objects.filter(status=ProjectStatus.APPROVED).count() == 3


def test_simultaneous_second_approvals_recheck_the_envelope(programme):
    """Two projects waiting for their second approval, room for one: one finance, one refused."""
    Programme.objects.filter(pk=programme.pk).update(two_administrators_required=True)
    first_administrator = AdministratorFactory()
    projects = [make_project(programme, requested="50000") for _ in range(2)]
    for project in projects:
        services.project_approve(project=project, amount=Decimal("50000"), by=first_administrator)
    Programme.objects.filter(pk=programme.pk).update(committed_amount=programme.envelope_amount - 60000)
    seconds = [AdministratorFactory() for _ in range(2)]

    results = run_together(
        lambda index: services.project_approve(project=projects[index], by=seconds[index]), 2
    )

    assert sum(isinstance(result, Project) for result in results) == 1, results
    assert sum(isinstance(result, ValidationError) for result in results) == 1, results
    programme.refresh_from_db()
    assert programme.committed_amount == programme.envelope_amount - 10000


def approve_without_the_lock(programme_id: int, amount: Decimal, checked: threading.Barrier) -> None:
    """What a careless service would do: read what is left, check it in Python, then add."""
    with transaction.atomic():
        programme = Programme.objects.get(pk=programme_id)  # no select_for_update
        if amount > programme.amount_left:
            raise ValidationError("no room")
        # Both threads have checked against the same, stale figure before either writes.
        checked.wait()
        Programme.objects.filter(pk=programme_id).update(
            committed_projects=F("committed_projects") + 1, committed_amount=F("committed_amount") + amount
        )


def test_an_update_that_skips_the_lock_is_refused_by_the_constraint(programme):
    Programme.objects.filter(pk=programme.pk).update(committed_amount=programme.envelope_amount - 50000)
    checked = threading.Barrier(2)

    results = run_together(lambda index: approve_without_the_lock(programme.pk, Decimal("40000"), checked), 2)

    # Both passed the Python check; the database let only one of them through.
    assert sum(result is None for result in results) == 1, results
    assert sum(isinstance(result, IntegrityError) for result in results) == 1, results
    assert "programme_amount_within_envelope" in str(next(r for r in results if r is not None))
    programme.refresh_from_db()
    assert programme.committed_amount == programme.envelope_amount - 10000
    assert programme.committed_amount <= programme.envelope_amount
