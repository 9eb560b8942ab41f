"""The per-dimension totals behind the average levels: kept by assessment_complete,
rebuilt by recount, never off under concurrent completions."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.db import connection

from assessments import totals
from assessments.models import AssessmentStatus, DimensionTotal, Finding
from assessments.review import queries, services
from managers.models import Manager
from programme.reference import AssessmentArea
from tests.assessments.conftest import enrolled, selected
from tests.assessments.review_fixtures import *  # noqa: F403
from tests.assessments.review_fixtures import add_findings, make_assessment
from tests.factories import ProgrammeFactory, StaffFactory

pytestmark = pytest.mark.django_db


def kept(programme) -> dict[str, tuple[int, int, int, int, int]]:
    return {
        row.dimension: (row.findings, row.current_count, row.current_sum, row.target_count, row.target_sum)
        for row in DimensionTotal.objects.filter(programme=programme)
    }


def recounted(programme) -> dict[str, tuple[int, int, int, int, int]]:
    totals.recount(programme)
    return kept(programme)


def test_completing_a_report_adds_its_findings_to_the_totals(submitted, staff_user, pool):
    Finding.objects.filter(assessment=submitted).update(current_level=1, target_level=4)
    # A finding with no level yet counts as a finding, not in the averages.
    Finding.objects.filter(assessment=submitted, dimension="finance_control").update(
        current_level=None, target_level=None
    )
    assert kept(pool.programme) == {}

    services.assessment_complete(assessment=submitted, by=staff_user)

    rows = kept(pool.programme)
    assert rows["digital_strategy"] == (1, 1, 1, 1, 4)
    assert rows["finance_control"] == (1, 0, 0, 0, 0)
    averages = {row.dimension: row for row in queries.average_levels(pool.programme)}
    assert (averages["digital_strategy"].current, averages["digital_strategy"].target) == (
        Decimal("1.00"),
        Decimal("4.00"),
    )
    assert averages["finance_control"].current is None and averages["finance_control"].findings == 1
    assert rows == recounted(pool.programme)


def test_only_completed_assessments_count_and_recount_agrees_with_completions(pool, staff_user):
    first = make_assessment(pool.milan, pool.first, AssessmentStatus.SUBMITTED)
    second = make_assessment(pool.bergamo, pool.second, AssessmentStatus.SUBMITTED)
    still_open = make_assessment(pool.mantua, selected(pool.programme, ["MN"], capacity=1), "in_progress")
    add_findings(first, current=1, target=3)
    add_findings(second, current=4, target=5)
    add_findings(still_open, current=5, target=5)
    services.assessment_complete(assessment=first, by=staff_user)
    services.assessment_complete(assessment=second, by=staff_user)

    rows = kept(pool.programme)
    assert set(rows) == set(AssessmentArea.values)
    assert set(rows.values()) == {(2, 2, 5, 2, 8)}
    # The managers' completed assessments, kept by the same completions.
    Manager.objects.filter(programme=pool.programme).update(completed_assessments=7)
    assert rows == recounted(pool.programme)
    assert dict(
        Manager.objects.filter(programme=pool.programme).values_list("pk", "completed_assessments")
    ) == {pool.first.pk: 1, pool.second.pk: 1, still_open.manager_id: 0}
    for row in queries.average_levels(pool.programme):
        assert (row.current, row.target, row.assessments) == (Decimal("2.50"), Decimal("4.00"), 2)


def test_a_recount_is_of_one_programme_only(pool, staff_user, other_programme_assessment):
    services.assessment_complete(assessment=other_programme_assessment, by=staff_user)
    other_programme = other_programme_assessment.programme
    before = kept(other_programme)
    assert before
    totals.recount(pool.programme)
    assert kept(pool.programme) == {}
    assert kept(other_programme) == before


@pytest.fixture
def other_programme_assessment():
    programme = ProgrammeFactory(is_current=False)
    manager = selected(programme, ["MI"], capacity=2)
    assessment = make_assessment(enrolled(programme, "MI", "Milano"), manager, AssessmentStatus.SUBMITTED)
    add_findings(assessment, current=3, target=5)
    return assessment


@pytest.mark.django_db(transaction=True)
def test_completions_at_the_same_moment_are_all_counted(pool):
    """Four staff members complete four reports at once: the totals hold all four."""
    staff = StaffFactory(totp_secret=False)
    managers = [pool.first, pool.second] + [selected(pool.programme, ["MI"], capacity=1) for _ in range(2)]
    applications = [pool.milan, pool.bergamo, pool.mantua, enrolled(pool.programme, "MI", "Milano")]
    reports = []
    for level, (application, manager) in enumerate(zip(applications, managers, strict=True)):
        report = make_assessment(application, manager, AssessmentStatus.SUBMITTED)
        add_findings(report, current=level, target=5)
        reports.append(report)
    barrier = threading.Barrier(len(reports))
    failures: list[BaseException] = []

    def complete(report) -> None:
        try:
            barrier.wait()
            services.assessment_complete(assessment=report, by=staff)
        except BaseException as error:
            failures.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=complete, args=(report,)) for report in reports]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert failures == []
    rows = kept(pool.programme)
    assert set(rows.values()) == {(4, 4, 0 + 1 + 2 + 3, 4, 20)}
    assert rows == recounted(pool.programme)
