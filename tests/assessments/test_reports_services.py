"""The SME's feedback on its completed assessment: success and each refusal."""

from __future__ import annotations

import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from assessments.models import AssessmentStatus, Feedback
from assessments.reports import services
from programme.models import AuditEntry, Notification
from tests.assessments.conftest import selected
from tests.assessments.reports_fixtures import *  # noqa: F403
from tests.assessments.reports_fixtures import assessment_with_report, set_status
from tests.factories import ManagerUserFactory, ProgrammeFactory, SmeMemberFactory, StaffFactory

pytestmark = pytest.mark.django_db


def test_a_member_rates_the_completed_assessment_and_staff_are_told(report_case, sme_member):
    staff = [StaffFactory(), StaffFactory()]
    feedback = services.feedback_give(
        assessment=report_case.assessment, rating=5, comment="  Ottimo lavoro.  ", by=sme_member
    )
    assert (feedback.rating, feedback.comment, feedback.given_by) == (5, "Ottimo lavoro.", sme_member)
    entry = AuditEntry.objects.get(action="feedback_given", object_id=str(report_case.assessment.pk))
    assert entry.actor == sme_member and entry.data == {"rating": 5}
    told = Notification.objects.filter(event="reports_feedback_staff")
    assert sorted(told.values_list("recipient_id", flat=True)) == sorted(user.pk for user in staff)
    assert all("5" in notification.subject for notification in told)
    # Nobody else is told: the manager does not read the SME's rating.
    assert not Notification.objects.filter(recipient=report_case.manager.user).exists()


def test_feedback_is_given_once_per_company(report_case, sme_member):
    colleague = SmeMemberFactory()
    colleague_membership = sme_member.company_membership
    colleague_membership.pk = None
    colleague_membership.user = colleague
    colleague_membership.save()
    services.feedback_give(assessment=report_case.assessment, rating=4, comment="", by=sme_member)
    with pytest.raises(ValidationError, match="already given"):
        services.feedback_give(assessment=report_case.assessment, rating=2, comment="", by=colleague)
    assert Feedback.objects.get().rating == 4


def test_feedback_is_refused_before_completion(report_case, sme_member):
    set_status(report_case.assessment, AssessmentStatus.SUBMITTED)
    with pytest.raises(ValidationError, match="completed"):
        services.feedback_give(assessment=report_case.assessment, rating=4, comment="", by=sme_member)
    assert not Feedback.objects.exists()


def test_feedback_is_refused_to_anybody_but_the_companys_members(report_case, other_sme_member, staff_user):
    for person in (other_sme_member, staff_user, report_case.manager.user):
        with pytest.raises(PermissionDenied):
            services.feedback_give(assessment=report_case.assessment, rating=4, comment="", by=person)
    assert not Feedback.objects.exists()


@pytest.mark.parametrize("rating", [0, 6, -1])
def test_a_rating_outside_one_to_five_is_refused_on_its_field(report_case, sme_member, rating):
    with pytest.raises(ValidationError) as error:
        services.feedback_give(assessment=report_case.assessment, rating=rating, comment="", by=sme_member)
    assert "rating" in error.value.error_dict
    assert not Feedback.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_two_members_answering_at_once_leave_one_feedback():
    programme = ProgrammeFactory()
    manager = selected(programme, ["MI"], capacity=2, user=ManagerUserFactory())
    first = SmeMemberFactory()
    assessment = assessment_with_report(programme=programme, manager=manager, member=first)
    second = SmeMemberFactory()
    membership = first.company_membership
    membership.pk = None
    membership.user = second
    membership.save()
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def answer(person) -> None:
        try:
            barrier.wait()
            services.feedback_give(assessment=assessment, rating=3, comment="", by=person)
            outcomes.append("given")
        except ValidationError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=answer, args=(person,)) for person in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["given", "refused"]
    assert Feedback.objects.filter(assessment=assessment).count() == 1
