"""Enrolment within the quota: the waiting list, moving up, and the quota under concurrent requests."""

import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import F

from programme.models import AuditEntry, Notification, Programme
from smes import queries, services
from smes.models import Application, ApplicationStatus
from tests.factories import ProgrammeFactory, StaffFactory
from tests.smes.conftest import eligible_applications

pytestmark = pytest.mark.django_db


def fill(programme, left: int) -> None:
    Programme.objects.filter(pk=programme.pk).update(enrolled_count=F("assessment_quota") - left)
    programme.refresh_from_db()


def test_enrolment_takes_a_slot_and_tells_the_company(programme):
    [application] = eligible_applications(programme, 1)
    services.application_enrol(application=application, by=StaffFactory())
    application.refresh_from_db()
    programme.refresh_from_db()
    assert application.status == ApplicationStatus.ENROLLED
    assert application.enrolled_at is not None
    assert programme.enrolled_count == 1
    member = application.company.members.get()
    assert Notification.objects.filter(recipient=member, event="sme_application_enrolled").exists()
    assert queries.headline_figures(programme) == {"smes_enrolled": 1}


def test_past_the_quota_applications_queue_with_visible_positions(programme):
    fill(programme, 0)
    staff = StaffFactory()
    first, second = eligible_applications(programme, 2)
    services.application_enrol(application=first, by=staff)
    services.application_enrol(application=second, by=staff)
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, first.waitlist_position) == (ApplicationStatus.WAITLISTED, 1)
    assert (second.status, second.waitlist_position) == (ApplicationStatus.WAITLISTED, 2)
    notice = Notification.objects.get(recipient=second.company.members.get())
    assert notice.event == "sme_application_waitlisted"
    assert "2" in notice.body_text
    programme.refresh_from_db()
    assert programme.enrolled_count == programme.assessment_quota


def test_a_waitlisted_application_stays_while_the_quota_is_full(programme):
    fill(programme, 0)
    staff = StaffFactory()
    [application] = eligible_applications(programme, 1)
    services.application_enrol(application=application, by=staff)
    with pytest.raises(ValidationError):
        services.application_enrol(application=application, by=staff)


def test_when_an_enrolled_company_withdraws_the_first_waitlisted_moves_up_and_is_told(programme):
    staff = StaffFactory()
    fill(programme, 1)
    enrolled, first, second, third = eligible_applications(programme, 4)
    for application in (enrolled, first, second, third):
        services.application_enrol(application=application, by=staff)
    services.application_withdraw(application=enrolled, by=enrolled.company.members.get(), reason="")
    for application in (enrolled, first, second, third):
        application.refresh_from_db()
    programme.refresh_from_db()
    assert enrolled.status == ApplicationStatus.WITHDRAWN
    assert (first.status, first.waitlist_position) == (ApplicationStatus.ENROLLED, None)
    assert (second.waitlist_position, third.waitlist_position) == (1, 2)
    assert programme.enrolled_count == programme.assessment_quota
    assert Notification.objects.filter(
        recipient=first.company.members.get(), event="sme_application_moved_up"
    ).exists()
    assert AuditEntry.objects.filter(action="moved_up", object_id=str(first.pk)).exists()


def test_an_enrolled_withdrawal_without_anyone_waiting_frees_the_slot(programme):
    [application] = eligible_applications(programme, 1)
    services.application_enrol(application=application, by=StaffFactory())
    services.application_withdraw(application=application, by=StaffFactory(), reason="Cessata attività.")
    programme.refresh_from_db()
    assert programme.enrolled_count == 0
    assert queries.headline_figures(programme) == {"smes_enrolled": 0}


def test_leaving_the_waiting_list_closes_the_gap(programme):
    fill(programme, 0)
    staff = StaffFactory()
    first, second, third = eligible_applications(programme, 3)
    for application in (first, second, third):
        services.application_enrol(application=application, by=staff)
    services.application_withdraw(application=second, by=staff, reason="Rinuncia.")
    first.refresh_from_db()
    third.refresh_from_db()
    assert (first.waitlist_position, third.waitlist_position) == (1, 2)


def test_a_raised_quota_lets_staff_enrol_from_the_waiting_list(programme):
    fill(programme, 0)
    staff = StaffFactory()
    first, second = eligible_applications(programme, 2)
    services.application_enrol(application=first, by=staff)
    services.application_enrol(application=second, by=staff)
    Programme.objects.filter(pk=programme.pk).update(assessment_quota=F("assessment_quota") + 1)
    services.application_enrol(application=first, by=staff)
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == ApplicationStatus.ENROLLED
    assert second.waitlist_position == 1


def test_only_staff_enrol_and_only_eligible_applications(programme, submitted):
    [application] = eligible_applications(programme, 1)
    with pytest.raises(PermissionDenied):
        services.application_enrol(application=application, by=application.company.members.get())
    with pytest.raises(ValidationError):
        services.application_enrol(application=submitted, by=StaffFactory())
    programme.refresh_from_db()
    assert programme.enrolled_count == 0


def test_the_database_refuses_an_enrolment_that_skips_the_lock(programme):
    """A caller that bypasses the service (no lock, no check) still cannot pass the quota."""
    fill(programme, 0)
    with pytest.raises(IntegrityError, match="programme_enrolled_within_quota"), transaction.atomic():
        Programme.objects.filter(pk=programme.pk).update(enrolled_count=F("enrolled_count") + 1)


def test_the_database_refuses_a_waitlisted_application_without_a_position(programme):
    [application] = eligible_applications(programme, 1)
    with (
        pytest.raises(IntegrityError, match="application_waitlist_position_iff_waitlisted"),
        transaction.atomic(),
    ):
        Application.objects.filter(pk=application.pk).update(status=ApplicationStatus.WAITLISTED)


def test_a_company_applies_once_per_programme(programme, draft):
    from tests.factories import ApplicationFactory

    with pytest.raises(IntegrityError, match="application_once_per_programme"), transaction.atomic():
        ApplicationFactory(programme=programme, company=draft.company)


def _run_in_threads(count, work):
    barrier = threading.Barrier(count)
    outcomes, errors = [], []

    def run(index):
        try:
            barrier.wait(timeout=10)
            outcomes.append(work(index))
        except Exception as error:  # collected for the assertion below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes, errors


@pytest.mark.django_db(transaction=True)
def test_with_one_slot_left_simultaneous_enrolments_enrol_exactly_one():
    programme = ProgrammeFactory(assessment_quota=5)
    Programme.objects.filter(pk=programme.pk).update(enrolled_count=4)
    staff = StaffFactory()
    applications = eligible_applications(programme, 8)

    def enrol(index):
        return services.application_enrol(application=applications[index], by=staff).status

    outcomes, errors = _run_in_threads(len(applications), enrol)
    assert errors == []
    assert sorted(outcomes).count(ApplicationStatus.ENROLLED) == 1
    assert sorted(outcomes).count(ApplicationStatus.WAITLISTED) == 7
    programme.refresh_from_db()
    assert programme.enrolled_count == 5
    positions = sorted(
        Application.objects.filter(status=ApplicationStatus.WAITLISTED).values_list(
            "waitlist_position", flat=True
        )
    )
    assert positions == list(range(1, 8))


@pytest.mark.django_db(transaction=True)
def test_unlocked_simultaneous_increments_are_refused_by_the_constraint():
    """Two connections that skip the lock and the check both try to take the last slot:
    the database lets one through and refuses the other."""
    programme = ProgrammeFactory(assessment_quota=5)
    Programme.objects.filter(pk=programme.pk).update(enrolled_count=4)

    def take_slot_without_lock(index):
        with transaction.atomic():
            Programme.objects.filter(pk=programme.pk).update(enrolled_count=F("enrolled_count") + 1)
        return "took"

    outcomes, errors = _run_in_threads(4, take_slot_without_lock)
    assert outcomes == ["took"]
    assert len(errors) == 3
    assert all(
        isinstance(error, IntegrityError) and "programme_enrolled_within_quota" in str(error)
        for error in errors
    )
    programme.refresh_from_db()
    assert programme.enrolled_count == 5


@pytest.mark.django_db(transaction=True)
def test_simultaneous_withdrawal_and_enrolment_keep_the_counter_true():
    programme = ProgrammeFactory(assessment_quota=2)
    staff = StaffFactory()
    enrolled_one, enrolled_two, waiting, late = eligible_applications(programme, 4)
    for application in (enrolled_one, enrolled_two, waiting):
        services.application_enrol(application=application, by=staff)
    member = enrolled_one.company.members.get()

    def act(index):
        if index == 0:
            return services.application_withdraw(application=enrolled_one, by=member).status
        return services.application_enrol(application=late, by=staff).status

    _outcomes, errors = _run_in_threads(2, act)
    assert errors == []
    programme.refresh_from_db()
    enrolled = Application.objects.filter(programme=programme, status=ApplicationStatus.ENROLLED).count()
    assert programme.enrolled_count == enrolled == 2
