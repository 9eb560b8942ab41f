"""Staff's decisions on an assessment: complete, return with comments, cancel, hand over."""

from __future__ import annotations

import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from assessments import queries as assessment_queries
from assessments.models import Assessment, AssessmentStatus, Finding, Visit
from assessments.review import services
from managers.models import Manager, ManagerStatus
from programme.models import AuditEntry, Notification
from tests.assessments.conftest import selected
from tests.assessments.review_fixtures import *  # noqa: F403
from tests.assessments.review_fixtures import make_assessment
from tests.factories import StaffFactory

pytestmark = pytest.mark.django_db


def events_of(user) -> list[str]:
    return list(Notification.objects.filter(recipient=user).order_by("pk").values_list("event", flat=True))


def members_of(assessment: Assessment):
    return [membership.user for membership in assessment.application.company.memberships.all()]


# Completing --------------------------------------------------------------------------


def test_completing_a_submitted_report_counts_it_and_frees_the_managers_place(submitted, staff_user, pool):
    assert pool.first.open_assessments == 1
    services.assessment_complete(assessment=submitted, by=staff_user)
    submitted.refresh_from_db()
    pool.first.refresh_from_db()
    assert submitted.status == AssessmentStatus.COMPLETED
    assert submitted.completed_at is not None
    assert (pool.first.open_assessments, pool.first.completed_assessments) == (0, 1)
    assert assessment_queries.headline_figures(pool.programme)["assessments_completed"] == 1
    entry = AuditEntry.objects.get(action="completed")
    assert (entry.from_status, entry.to_status, entry.actor) == ("submitted", "completed", staff_user)
    assert events_of(pool.first.user) == ["review_completed_manager"]
    for member in members_of(submitted):
        assert events_of(member) == ["review_completed_sme"]


def test_only_a_submitted_report_can_be_completed(under_way, staff_user):
    with pytest.raises(ValidationError):
        services.assessment_complete(assessment=under_way, by=staff_user)
    under_way.refresh_from_db()
    assert under_way.status == AssessmentStatus.IN_PROGRESS


def test_only_staff_complete_or_return_a_report(submitted, pool):
    for person in (pool.first.user, pool.second.user):
        with pytest.raises(PermissionDenied):
            services.assessment_complete(assessment=submitted, by=person)
        with pytest.raises(PermissionDenied):
            services.assessment_return(assessment=submitted, comments="Rivedere", by=person)
    submitted.refresh_from_db()
    assert submitted.status == AssessmentStatus.SUBMITTED


# Returning ---------------------------------------------------------------------------


def test_returning_a_report_reopens_the_work_with_the_comments_for_the_manager(submitted, staff_user, pool):
    services.assessment_return(
        assessment=submitted, comments="  Mancano le evidenze sui dati.  ", by=staff_user
    )
    submitted.refresh_from_db()
    pool.first.refresh_from_db()
    assert submitted.status == AssessmentStatus.IN_PROGRESS
    assert submitted.return_comments == "Mancano le evidenze sui dati."
    assert submitted.returned_at is not None
    assert pool.first.open_assessments == 1  # still the manager's work
    assert AuditEntry.objects.get(action="returned").reason == "Mancano le evidenze sui dati."
    notification = Notification.objects.get(recipient=pool.first.user)
    assert notification.event == "review_returned"
    assert "Mancano le evidenze sui dati." in notification.body_text
    assert "Mancano le evidenze sui dati." in notification.body_html
    assert assessment_queries.headline_figures(pool.programme)["assessments_completed"] == 0


def test_returning_needs_comments(submitted, staff_user):
    with pytest.raises(ValidationError) as caught:
        services.assessment_return(assessment=submitted, comments="   ", by=staff_user)
    assert "comments" in caught.value.error_dict
    submitted.refresh_from_db()
    assert submitted.status == AssessmentStatus.SUBMITTED


def test_a_report_not_submitted_cannot_be_returned(under_way, staff_user):
    with pytest.raises(ValidationError):
        services.assessment_return(assessment=under_way, comments="Rivedere", by=staff_user)


# Cancelling --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "status",
    [
        AssessmentStatus.ASSIGNED,
        AssessmentStatus.ACCEPTED,
        AssessmentStatus.IN_PROGRESS,
        AssessmentStatus.SUBMITTED,
    ],
)
def test_cancelling_from_any_open_state_frees_the_sme_and_the_managers_place(pool, staff_user, status):
    assessment = make_assessment(pool.milan, pool.first, status)
    assert pool.milan not in assessment_queries.unmatched_applications(pool.programme)
    services.assessment_cancel(
        assessment=assessment, reason="L'impresa ha chiuso lo stabilimento.", by=staff_user
    )
    assessment.refresh_from_db()
    pool.first.refresh_from_db()
    assert assessment.status == AssessmentStatus.CANCELLED
    assert assessment.cancel_reason == "L'impresa ha chiuso lo stabilimento."
    assert pool.first.open_assessments == 0
    assert pool.milan in assessment_queries.unmatched_applications(pool.programme)
    figures = assessment_queries.headline_figures(pool.programme)
    assert figures == {"assessments_assigned": 0, "assessments_completed": 0}
    assert AuditEntry.objects.get(action="cancelled").from_status == status
    assert events_of(pool.first.user) == ["review_cancelled_manager"]
    for member in members_of(assessment):
        assert events_of(member) == ["review_cancelled_sme"]


def test_cancelling_needs_a_reason_and_an_open_assessment(pool, staff_user):
    open_one = make_assessment(pool.milan, pool.first, AssessmentStatus.IN_PROGRESS)
    with pytest.raises(ValidationError) as caught:
        services.assessment_cancel(assessment=open_one, reason=" ", by=staff_user)
    assert "reason" in caught.value.error_dict
    completed = make_assessment(pool.bergamo, pool.second, AssessmentStatus.COMPLETED)
    with pytest.raises(ValidationError):
        services.assessment_cancel(assessment=completed, reason="Errore", by=staff_user)
    completed.refresh_from_db()
    assert completed.status == AssessmentStatus.COMPLETED


def test_only_staff_cancel(pool):
    assessment = make_assessment(pool.milan, pool.first, AssessmentStatus.IN_PROGRESS)
    with pytest.raises(PermissionDenied):
        services.assessment_cancel(assessment=assessment, reason="Non più interessati", by=pool.first.user)
    assessment.refresh_from_db()
    assert assessment.status == AssessmentStatus.IN_PROGRESS


# Handing over ------------------------------------------------------------------------


def test_handing_over_keeps_the_work_moves_the_place_and_tells_everyone(under_way, pool, staff_user):
    newcomer = selected(pool.programme, ["BG"], capacity=1)
    visits_before = set(Visit.objects.filter(assessment=under_way).values_list("pk", flat=True))
    findings_before = set(Finding.objects.filter(assessment=under_way).values_list("pk", flat=True))
    Manager.objects.filter(pk=pool.second.pk).update(status=ManagerStatus.LEFT)

    services.assessment_hand_over(
        assessment=under_way, manager=newcomer, reason="Il manager ha lasciato l'albo.", by=staff_user
    )

    under_way.refresh_from_db()
    pool.second.refresh_from_db()
    newcomer.refresh_from_db()
    assert under_way.manager == newcomer
    assert under_way.status == AssessmentStatus.IN_PROGRESS
    assert set(Visit.objects.filter(assessment=under_way).values_list("pk", flat=True)) == visits_before
    assert set(Finding.objects.filter(assessment=under_way).values_list("pk", flat=True)) == findings_before
    assert (pool.second.open_assessments, newcomer.open_assessments) == (0, 1)
    entry = AuditEntry.objects.get(action="reassigned")
    assert entry.data["from_manager"] == pool.second.pk
    assert entry.data["to_manager"] == newcomer.pk
    assert entry.reason == "Il manager ha lasciato l'albo."
    assert events_of(pool.second.user) == ["review_handed_over_previous"]
    assert events_of(newcomer.user) == ["review_handed_over_new"]
    for member in members_of(under_way):
        assert events_of(member) == ["review_handed_over_sme"]
        assert newcomer.user.email in Notification.objects.get(recipient=member).body_text


def test_the_new_manager_can_hand_back_so_the_trail_shows_who_held_it_when(under_way, pool, staff_user):
    from assessments.review import queries

    newcomer = selected(pool.programme, ["BG"], capacity=1)
    services.assessment_hand_over(assessment=under_way, manager=newcomer, reason="Malattia", by=staff_user)
    services.assessment_hand_over(
        assessment=under_way, manager=pool.second, reason="Rientrato", by=staff_user
    )
    actions = [entry.action for entry in queries.timeline(under_way)]
    assert actions == [
        f"Handed from {pool.second} to {newcomer}",
        f"Handed from {newcomer} to {pool.second}",
    ]
    pool.second.refresh_from_db()
    newcomer.refresh_from_db()
    assert (pool.second.open_assessments, newcomer.open_assessments) == (1, 0)


def test_handing_over_is_refused_to_a_manager_without_a_place_or_in_conflict(under_way, pool, staff_user):
    full = selected(pool.programme, ["BG"], capacity=1)
    Manager.objects.filter(pk=full.pk).update(open_assessments=1)
    conflicted = selected(
        pool.programme, ["BG"], capacity=2, declared_vat_numbers=[pool.bergamo.company.vat_number]
    )
    suspended = selected(pool.programme, ["BG"], capacity=2)
    Manager.objects.filter(pk=suspended.pk).update(status=ManagerStatus.SUSPENDED)
    for manager in (full, conflicted, suspended, pool.second):
        manager.refresh_from_db()
        with pytest.raises(ValidationError) as caught:
            services.assessment_hand_over(
                assessment=under_way, manager=manager, reason="Cambio", by=staff_user
            )
        assert "manager" in caught.value.error_dict
    under_way.refresh_from_db()
    pool.second.refresh_from_db()
    assert under_way.manager == pool.second
    assert pool.second.open_assessments == 1
    assert not AuditEntry.objects.filter(action="reassigned").exists()


def test_handing_over_is_refused_to_a_manager_who_declined_the_company(under_way, pool, staff_user):
    other = selected(pool.programme, ["BG"], capacity=2)
    make_assessment(pool.bergamo, other, AssessmentStatus.DECLINED)
    with pytest.raises(ValidationError) as caught:
        services.assessment_hand_over(assessment=under_way, manager=other, reason="Cambio", by=staff_user)
    assert "manager" in caught.value.error_dict


def test_a_submitted_report_or_a_closed_assessment_is_not_handed_over(submitted, pool, staff_user):
    newcomer = selected(pool.programme, ["MI"], capacity=1)
    with pytest.raises(ValidationError):
        services.assessment_hand_over(assessment=submitted, manager=newcomer, reason="Cambio", by=staff_user)
    with pytest.raises(PermissionDenied):
        services.assessment_hand_over(
            assessment=submitted, manager=newcomer, reason="Cambio", by=pool.first.user
        )
    newcomer.refresh_from_db()
    assert newcomer.open_assessments == 0


@pytest.mark.django_db(transaction=True)
def test_two_handovers_at_once_never_pass_the_new_managers_capacity(pool):
    """Two staff members hand two assessments to the same manager, who has one place."""
    staff = StaffFactory(totp_secret=False)
    first = make_assessment(pool.milan, pool.first, AssessmentStatus.IN_PROGRESS)
    second = make_assessment(pool.bergamo, pool.second, AssessmentStatus.IN_PROGRESS)
    newcomer = selected(pool.programme, ["MI", "BG"], capacity=1)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def hand(assessment: Assessment) -> None:
        try:
            barrier.wait()
            services.assessment_hand_over(assessment=assessment, manager=newcomer, reason="Cambio", by=staff)
            outcomes.append("moved")
        except ValidationError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=hand, args=(assessment,)) for assessment in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["moved", "refused"]
    newcomer.refresh_from_db()
    assert newcomer.open_assessments == 1
    assert Assessment.objects.filter(manager=newcomer).count() == 1
    pool.first.refresh_from_db()
    pool.second.refresh_from_db()
    # The manager who kept theirs still holds its place; the other's place was freed.
    assert pool.first.open_assessments + pool.second.open_assessments == 1
