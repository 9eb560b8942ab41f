"""Overdue assessments: flagged, the manager reminded once, staff's weekly digest once a
week. Time moves forward by passing `today`, never by waiting."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from assessments.models import AssessmentStatus
from assessments.review import queries, services, tasks
from programme.models import Notification
from tests.assessments.conftest import selected
from tests.assessments.review_fixtures import make_assessment
from tests.factories import StaffFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
DUE = TODAY + datetime.timedelta(days=10)


def reminders(user=None) -> list[Notification]:
    found = Notification.objects.filter(event="review_overdue_manager")
    if user is not None:
        found = found.filter(recipient=user)
    return list(found.order_by("pk"))


def digests() -> list[Notification]:
    return list(Notification.objects.filter(event="review_overdue_digest").order_by("pk"))


def test_an_assessment_is_flagged_overdue_only_once_its_deadline_has_passed(pool):
    assessment = make_assessment(pool.milan, pool.first, AssessmentStatus.IN_PROGRESS, due_on=DUE)
    on_the_day = queries.staff_assessments(pool.programme, DUE).get(pk=assessment.pk)
    day_after = queries.staff_assessments(pool.programme, DUE + datetime.timedelta(days=1)).get(
        pk=assessment.pk
    )
    assert not on_the_day.overdue
    assert day_after.overdue
    assert queries.status_counts(pool.programme, DUE + datetime.timedelta(days=1))["overdue"] == 1


def test_a_completed_or_cancelled_assessment_is_never_overdue(pool):
    make_assessment(pool.milan, pool.first, AssessmentStatus.COMPLETED, due_on=DUE)
    make_assessment(pool.bergamo, pool.second, AssessmentStatus.CANCELLED, due_on=DUE)
    later = DUE + datetime.timedelta(days=30)
    assert queries.status_counts(pool.programme, later)["overdue"] == 0
    assert services.overdue_reminders_send(today=later) == 0
    assert services.overdue_digest_send(today=later) == 0


def test_the_manager_is_reminded_once_when_the_deadline_passes(pool):
    assessment = make_assessment(pool.milan, pool.first, AssessmentStatus.IN_PROGRESS, due_on=DUE)

    assert services.overdue_reminders_send(today=DUE) == 0
    assert reminders() == []

    assert services.overdue_reminders_send(today=DUE + datetime.timedelta(days=1)) == 1
    assert services.overdue_reminders_send(today=DUE + datetime.timedelta(days=1)) == 0
    assert services.overdue_reminders_send(today=DUE + datetime.timedelta(days=8)) == 0

    sent = reminders()
    assert len(sent) == 1
    assert sent[0].recipient == pool.first.user
    assert assessment.application.company.legal_name in sent[0].subject
    assessment.refresh_from_db()
    assert assessment.overdue_reminder_sent_at is not None


def test_a_submitted_report_is_left_to_staff_not_reminded_to_the_manager(pool):
    make_assessment(pool.milan, pool.first, AssessmentStatus.SUBMITTED, due_on=DUE)
    assert services.overdue_reminders_send(today=DUE + datetime.timedelta(days=5)) == 0


def test_the_new_manager_of_an_overdue_assessment_gets_their_own_reminder(pool, staff_user):
    assessment = make_assessment(pool.bergamo, pool.second, AssessmentStatus.IN_PROGRESS, due_on=DUE)
    late = DUE + datetime.timedelta(days=2)
    assert services.overdue_reminders_send(today=late) == 1
    newcomer = selected(pool.programme, ["BG"], capacity=1)
    services.assessment_hand_over(assessment=assessment, manager=newcomer, reason="Malattia", by=staff_user)
    assert services.overdue_reminders_send(today=late) == 1
    assert services.overdue_reminders_send(today=late) == 0
    assert [notification.recipient for notification in reminders()] == [pool.second.user, newcomer.user]


def test_staff_get_one_digest_a_week_listing_the_overdue_assessments(pool, staff_user):
    other_staff = StaffFactory(totp_secret=False)
    late = make_assessment(pool.milan, pool.first, AssessmentStatus.IN_PROGRESS, due_on=DUE)
    make_assessment(
        pool.bergamo, pool.second, AssessmentStatus.IN_PROGRESS, due_on=DUE + datetime.timedelta(days=40)
    )
    monday = DUE + datetime.timedelta(days=7 - DUE.weekday())  # the first Monday after the deadline

    assert services.overdue_digest_send(today=DUE) == 0  # nothing overdue yet: no digest
    assert services.overdue_digest_send(today=monday) == 2
    assert services.overdue_digest_send(today=monday) == 0
    assert services.overdue_digest_send(today=monday + datetime.timedelta(days=4)) == 0  # same week

    first_week = digests()
    assert {notification.recipient for notification in first_week} == {staff_user, other_staff}
    body = first_week[0].body_text
    assert late.application.company.legal_name in body
    assert pool.bergamo.company.legal_name not in body
    assert services.iso_week(monday) in first_week[0].link

    next_monday = monday + datetime.timedelta(days=7)
    assert services.overdue_digest_send(today=next_monday) == 2
    assert len(digests()) == 4


def test_the_periodic_tasks_call_the_services(pool):
    make_assessment(
        pool.milan, pool.first, AssessmentStatus.IN_PROGRESS, due_on=TODAY - datetime.timedelta(days=1)
    )
    StaffFactory(totp_secret=False)
    assert tasks.remind_overdue_assessments.apply().get() == 1
    assert tasks.remind_overdue_assessments.apply().get() == 0
    assert tasks.send_overdue_digest.apply().get() == 1
    assert tasks.send_overdue_digest.apply().get() == 0
