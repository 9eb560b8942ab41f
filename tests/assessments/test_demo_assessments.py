"""The demo's assessments: 100 assigned, 84 completed with full reports, 16 open, the
managers' counters consistent, the same at every rebuild."""

from __future__ import annotations

import json
from collections import Counter
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Count, Q

from assessments.models import (
    OPEN_STATUSES,
    Assessment,
    AssessmentStatus,
    Finding,
    VisitConfirmation,
)
from managers.models import Manager
from programme.home import demo as home_demo
from programme.models import AuditEntry
from programme.reference import AssessmentArea

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded():
    context = home_demo.rebuild()
    return context


def fingerprint(programme) -> list[tuple]:
    return list(
        Assessment.objects.filter(programme=programme)
        .order_by("application__company__vat_number")
        .values_list(
            "application__company__vat_number",
            "manager__user__email",
            "status",
            "accepted_at",
            "summary",
        )
    ) + list(
        Finding.objects.filter(assessment__programme=programme)
        .order_by("assessment__application__company__vat_number", "dimension")
        .values_list("dimension", "current_level", "target_level", "evidence")
    )


def test_stats_give_100_assigned_and_84_completed(seeded):
    output = StringIO()
    call_command("stats", "--json", stdout=output)
    figures = json.loads(output.getvalue())
    assert figures["assessments_assigned"] == 100
    assert figures["assessments_completed"] == 84


def test_the_16_open_are_spread_over_accepted_in_progress_and_submitted(seeded):
    statuses = Counter(Assessment.objects.filter(programme=seeded.programme).values_list("status", flat=True))
    assert statuses == {
        AssessmentStatus.COMPLETED: 84,
        AssessmentStatus.ACCEPTED: 5,
        AssessmentStatus.IN_PROGRESS: 6,
        AssessmentStatus.SUBMITTED: 5,
    }


def test_every_enrolled_sme_has_one_assessment(seeded):
    assessments = Assessment.objects.filter(programme=seeded.programme)
    assert assessments.values("application").distinct().count() == 100
    assert not assessments.exclude(application__status="enrolled").exists()


def test_each_managers_counter_is_what_they_hold_and_within_capacity(seeded):
    managers = Manager.objects.filter(programme=seeded.programme).annotate(
        held=Count("assessments", filter=Q(assessments__status__in=OPEN_STATUSES))
    )
    for manager in managers:
        assert manager.open_assessments == manager.held
        assert manager.open_assessments <= manager.capacity
    assert (
        not Assessment.objects.filter(programme=seeded.programme).exclude(manager__status="selected").exists()
    )


def test_completed_reports_are_full_and_consistent(seeded):
    completed = Assessment.objects.filter(
        programme=seeded.programme, status=AssessmentStatus.COMPLETED
    ).prefetch_related("findings", "recommendations", "visits")
    level_sets = set()
    for assessment in completed:
        findings = list(assessment.findings.all())
        assert sorted(finding.dimension for finding in findings) == sorted(AssessmentArea.values)
        assert all(
            finding.is_scored and finding.target_level >= finding.current_level for finding in findings
        )
        assert all(finding.evidence and finding.strengths and finding.gaps for finding in findings)
        assert 3 <= assessment.recommendations.count() <= 6
        visits = list(assessment.visits.all())
        assert visits and all(visit.confirmation == VisitConfirmation.CONFIRMED for visit in visits)
        assert sum(visit.days for visit in visits) <= seeded.programme.support_days
        assert (
            assessment.summary and assessment.completed_at > assessment.submitted_at > assessment.accepted_at
        )
        level_sets.add(tuple(sorted((finding.dimension, finding.current_level) for finding in findings)))
    # Varied, not one profile copied 84 times.
    assert len(level_sets) > 60


def test_the_history_is_in_the_audit_trail(seeded):
    actions = Counter(
        AuditEntry.objects.filter(programme=seeded.programme, content_type__model="assessment").values_list(
            "action", flat=True
        )
    )
    assert actions["assigned"] == actions["accepted"] == 100
    assert actions["completed"] == 84
    assert actions["submitted"] >= 84 + 5


def test_the_personas_see_the_demo_at_work(seeded):
    manager_statuses = set(
        Assessment.objects.filter(manager__user=seeded.accounts["manager"]).values_list("status", flat=True)
    )
    assert {
        AssessmentStatus.ACCEPTED,
        AssessmentStatus.IN_PROGRESS,
        AssessmentStatus.SUBMITTED,
    } <= manager_statuses
    sme = Assessment.objects.get(application__company__memberships__user=seeded.accounts["sme_member"])
    # Completed, with its feedback left for the persona to give.
    assert sme.status == AssessmentStatus.COMPLETED
    assert not hasattr(sme, "feedback")


def test_the_demo_is_the_same_at_every_rebuild(seeded):
    first = fingerprint(seeded.programme)
    context = home_demo.rebuild()
    second = fingerprint(context.programme)
    assert first == second
